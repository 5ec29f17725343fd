// Reads and validates a model folder in the Hugging Face / Optimum ONNX layout:
//   config.json, generation_config.json (optional), tokenizer.json, tokenizer_config.json,
//   onnx/model.onnx or one of its precision variants (variants.ts picks it by device), with its
//   weights inline or in external data files beside it.
// Everything a later step relies on is checked here (and the ONNX graph against it, in
// graph-check.ts, once a session exists), so a bad upload fails at load time with a
// ModelFolderError that names the file and the key or graph input, not in the middle of a chat.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ModelFolderError } from "./errors";
import { declaresExtractiveSummarizer } from "./extractive-kind";
import { GENAI_CONFIG, readGenaiLayout } from "./genai-folder";
import type { DeviceSetting } from "./session";
import { readSeq2SeqShape, seq2seqGraphs } from "./seq2seq-folder";
import { chooseVariant, type OnnxVariant } from "./variants";

export type ModelKind = "causal-lm" | "seq2seq" | "classifier" | "extractive-summarizer";

/** Shapes of a decoder's KV cache, from config.json (and checked against the graph). */
export interface DecoderShape {
  numLayers: number;
  numAttentionHeads: number;
  numKvHeads: number;
  headDim: number;
  hiddenSize: number;
  vocabSize: number;
  /** Longest sequence (prompt + output) the model supports. */
  maxPositions: number;
}

/** An encoder-decoder's two graphs and shapes (transformers.js / Optimum layout, seq2seq-folder.ts). */
export interface Seq2SeqShape {
  /** Absolute paths of onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx. */
  encoderPath: string;
  decoderPath: string;
  decoderLayers: number;
  decoderHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest encoder input (tokens, special tokens included). */
  maxPositions: number;
  decoderStartTokenId: number;
  /** generation_config's bad_words_ids of one token (Marian bans its pad): never generated. */
  bannedTokenIds: number[];
  /** generation_config's forced_bos_token_id (BART): the first generated token. */
  forcedBosTokenId?: number;
  /** generation_config's forced_eos_token_id (Marian, BART): the last token the cap allows. */
  forcedEosTokenId?: number;
}

export interface GenerationDefaults {
  eosTokenIds: number[];
  bosTokenId?: number;
  padTokenId?: number;
  maxNewTokens?: number;
  maxLength?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

export interface ModelFolder {
  dir: string;
  kind: ModelKind;
  modelType: string;
  /** Absolute path of the ONNX file that will be loaded. */
  onnxPath: string;
  /** The same, relative to `dir` (for messages). */
  onnxFile: string;
  /** Which precision variant onnxFile is, and why it was chosen (variants.ts); "genai" for the
   * onnxruntime-genai layout, whose one graph genai_config.json names. */
  variant: OnnxVariant | "genai";
  variantReason: string;
  config: Record<string, unknown>;
  generation: GenerationDefaults;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Present for causal-lm folders. */
  decoder?: DecoderShape;
  /** Present for seq2seq folders. */
  seq2seq?: Seq2SeqShape;
  /** Present for classifier folders: labels by class index. */
  labels?: string[];
}

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();
const tokenIds = z.union([tokenId, z.array(tokenId)]);

// HF configs name the same thing differently per architecture (GPT-2: n_layer, n_head, n_embd …).
const configSchema = z.looseObject({
  model_type: z.string().min(1),
  architectures: z.array(z.string()).optional(),
  is_encoder_decoder: z.boolean().optional(),
  num_hidden_layers: positiveInt.optional(),
  n_layer: positiveInt.optional(),
  num_attention_heads: positiveInt.optional(),
  n_head: positiveInt.optional(),
  num_key_value_heads: positiveInt.optional(),
  multi_query: z.boolean().optional(),
  hidden_size: positiveInt.optional(),
  n_embd: positiveInt.optional(),
  head_dim: positiveInt.optional(),
  vocab_size: positiveInt.optional(),
  max_position_embeddings: positiveInt.optional(),
  n_positions: positiveInt.optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  bos_token_id: tokenIds.nullable().optional(),
  eos_token_id: tokenIds.nullable().optional(),
  pad_token_id: tokenIds.nullable().optional(),
});

const generationConfigSchema = z.looseObject({
  bos_token_id: tokenId.nullable().optional(),
  eos_token_id: tokenIds.nullable().optional(),
  pad_token_id: tokenId.nullable().optional(),
  max_new_tokens: positiveInt.nullable().optional(),
  max_length: positiveInt.nullable().optional(),
  do_sample: z.boolean().optional(),
  temperature: z.number().nonnegative().nullable().optional(),
  top_k: z.number().int().nonnegative().nullable().optional(),
  top_p: z.number().positive().max(1).nullable().optional(),
  repetition_penalty: z.number().positive().nullable().optional(),
});

const tokenizerJsonSchema = z.looseObject({
  model: z.looseObject({ type: z.string().optional() }),
  added_tokens: z
    .array(z.looseObject({ id: tokenId, content: z.string(), special: z.boolean().optional() }))
    .optional(),
});

const specialToken = z.union([z.string(), z.looseObject({ content: z.string() })]).nullable();
const tokenizerConfigSchema = z.looseObject({
  bos_token: specialToken.optional(),
  eos_token: specialToken.optional(),
  pad_token: specialToken.optional(),
  chat_template: z.union([z.string(), z.array(z.looseObject({ name: z.string(), template: z.string() }))]).optional(),
});

async function readJson(dir: string, file: string, required: true): Promise<unknown>;
async function readJson(dir: string, file: string, required: false): Promise<unknown | undefined>;
async function readJson(dir: string, file: string, required: boolean): Promise<unknown | undefined> {
  const full = path.join(dir, file);
  if (!existsSync(full)) {
    if (required) throw new ModelFolderError(dir, file, "file is missing");
    return undefined;
  }
  let text: string;
  try {
    text = await readFile(full, "utf8");
  } catch (e) {
    throw new ModelFolderError(dir, file, `cannot be read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFolderError(dir, file, `is not valid JSON (${(e as Error).message})`);
  }
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, dir: string, file: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.join(".");
  throw new ModelFolderError(dir, file, `${key ? `"${key}": ` : ""}${issue.message}`, key || undefined);
}

function firstId(value: number | number[] | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}

function allIds(value: number | number[] | null | undefined): number[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export interface ReadFolderOptions {
  /** The device the model is meant for: it orders the ONNX variants (variants.ts). Default cpu. */
  device?: DeviceSetting;
}

/** The folder options a model load implies: its device orders the ONNX variants. */
export function folderOptions(load: { session?: { device?: DeviceSetting } }): ReadFolderOptions {
  return { device: load.session?.device };
}

/** Read config, tokenizer and generation files and find the ONNX file. Does not load the graph. */
export async function readModelFolder(dirInput: string, options: ReadFolderOptions = {}): Promise<ModelFolder> {
  const dir = path.resolve(dirInput);
  if (!existsSync(dir)) throw new ModelFolderError(dir, undefined, `model folder ${dir} does not exist`);
  // onnxruntime-genai's layout has genai_config.json (genai-folder.ts), Optimum's config.json.
  const genai = await readGenaiLayout(dir);
  const configFile = genai ? GENAI_CONFIG : "config.json";
  const config = parseWith(configSchema, genai?.config ?? (await readJson(dir, "config.json", true)), dir, configFile);

  const architectures = config.architectures ?? [];
  const seq2seq =
    config.is_encoder_decoder === true ||
    architectures.some((a) => /ForConditionalGeneration$|Seq2SeqLM$/.test(a)) ||
    existsSync(path.join(dir, "onnx", "encoder_model.onnx"));
  let kind: ModelKind;
  // loom.kind first: a sentence scorer's architecture name is Loom's own (extractive.ts).
  if (declaresExtractiveSummarizer(config)) kind = "extractive-summarizer";
  else if (seq2seq) kind = "seq2seq";
  else if (architectures.some((a) => a.endsWith("ForSequenceClassification"))) kind = "classifier";
  else if (architectures.some((a) => /ForCausalLM$|LMHeadModel$/.test(a))) kind = "causal-lm";
  else if (architectures.length > 0)
    throw new ModelFolderError(
      dir,
      "config.json",
      `architecture ${architectures.join(", ")} is not supported (expected *ForCausalLM, *LMHeadModel or *ForSequenceClassification)`,
      "architectures",
    );
  else kind = "causal-lm"; // no architectures: the graph check below decides whether it is one

  const chosen: { file: string; variant: OnnxVariant | "genai"; reason: string } = genai
    ? { file: genai.onnxFile, variant: "genai", reason: `${GENAI_CONFIG} model.decoder.filename` }
    : kind === "seq2seq"
      ? seq2seqGraphs(dir)
      : chooseVariant(dir, config, options.device);
  const onnxFile = chosen.file;

  const tokenizerJson = parseWith(
    tokenizerJsonSchema,
    await readJson(dir, "tokenizer.json", true),
    dir,
    "tokenizer.json",
  );
  const tokenizerConfig = parseWith(
    tokenizerConfigSchema,
    (await readJson(dir, "tokenizer_config.json", false)) ?? {},
    dir,
    "tokenizer_config.json",
  );
  const gen = parseWith(
    generationConfigSchema,
    (await readJson(dir, "generation_config.json", false)) ?? {},
    dir,
    "generation_config.json",
  );

  const generation: GenerationDefaults = {
    eosTokenIds: [...new Set([...allIds(gen.eos_token_id), ...allIds(config.eos_token_id)])],
    bosTokenId: gen.bos_token_id ?? firstId(config.bos_token_id),
    padTokenId: gen.pad_token_id ?? firstId(config.pad_token_id),
    maxNewTokens: gen.max_new_tokens ?? undefined,
    maxLength: gen.max_length ?? undefined,
    doSample: gen.do_sample,
    temperature: gen.temperature ?? undefined,
    topK: gen.top_k ?? undefined,
    topP: gen.top_p ?? undefined,
    repetitionPenalty: gen.repetition_penalty ?? undefined,
  };

  const folder: ModelFolder = {
    dir,
    kind,
    modelType: config.model_type,
    onnxPath: path.join(dir, onnxFile),
    onnxFile,
    variant: chosen.variant,
    variantReason: chosen.reason,
    config,
    generation,
    tokenizerJson,
    tokenizerConfig,
  };

  if (kind === "causal-lm") {
    const numLayers = config.num_hidden_layers ?? config.n_layer;
    const numAttentionHeads = config.num_attention_heads ?? config.n_head;
    const hiddenSize = config.hidden_size ?? config.n_embd;
    const need = (value: number | undefined, key: string): number => {
      if (value === undefined)
        throw new ModelFolderError(dir, "config.json", `"${key}" is required for a causal LM`, key);
      return value;
    };
    const layers = need(numLayers, "num_hidden_layers");
    const heads = need(numAttentionHeads, "num_attention_heads");
    const hidden = need(hiddenSize, "hidden_size");
    const kvHeads = config.num_key_value_heads ?? (config.multi_query ? 1 : heads);
    const headDim = config.head_dim ?? hidden / heads;
    if (!Number.isInteger(headDim))
      throw new ModelFolderError(
        dir,
        "config.json",
        `hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}; set head_dim`,
        "head_dim",
      );
    if (heads % kvHeads !== 0)
      throw new ModelFolderError(
        dir,
        "config.json",
        `num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`,
        "num_key_value_heads",
      );
    folder.decoder = {
      numLayers: layers,
      numAttentionHeads: heads,
      numKvHeads: kvHeads,
      headDim,
      hiddenSize: hidden,
      vocabSize: need(config.vocab_size, "vocab_size"),
      maxPositions: config.max_position_embeddings ?? config.n_positions ?? generation.maxLength ?? 2048,
    };
  } else if (kind === "seq2seq") {
    folder.seq2seq = readSeq2SeqShape(dir, config, gen, chosen.file);
  } else if (kind === "classifier") {
    const id2label = config.id2label;
    if (!id2label || Object.keys(id2label).length === 0)
      throw new ModelFolderError(dir, "config.json", `"id2label" is required for a classifier`, "id2label");
    const labels: string[] = [];
    for (const [index, label] of Object.entries(id2label)) {
      const i = Number(index);
      if (!Number.isInteger(i) || i < 0)
        throw new ModelFolderError(dir, "config.json", `"id2label" key ${index} is not a class index`, "id2label");
      labels[i] = label;
    }
    if (labels.some((l) => l === undefined) || labels.length !== Object.keys(id2label).length)
      throw new ModelFolderError(dir, "config.json", `"id2label" must number classes 0..n-1`, "id2label");
    folder.labels = labels;
  }
  return folder;
}
