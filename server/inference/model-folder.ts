// Reads and validates a model folder in the Hugging Face / Optimum ONNX layout:
//   config.json, generation_config.json (optional), tokenizer.json, tokenizer_config.json,
//   onnx/model.onnx (or onnx/model_quantized.onnx).
// Everything a later step relies on is checked here, so a bad upload fails at load time with a
// ModelFolderError that names the file and the key or graph input, not in the middle of a chat.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ModelFolderError } from "./errors";

export type ModelKind = "causal-lm" | "classifier";

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
  config: Record<string, unknown>;
  generation: GenerationDefaults;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Present for causal-lm folders. */
  decoder?: DecoderShape;
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

/** Read config, tokenizer and generation files and find the ONNX file. Does not load the graph. */
export async function readModelFolder(dirInput: string): Promise<ModelFolder> {
  const dir = path.resolve(dirInput);
  if (!existsSync(dir)) throw new ModelFolderError(dir, undefined, `model folder ${dir} does not exist`);
  const config = parseWith(configSchema, await readJson(dir, "config.json", true), dir, "config.json");

  const architectures = config.architectures ?? [];
  const seq2seq =
    config.is_encoder_decoder === true ||
    architectures.some((a) => /ForConditionalGeneration$|Seq2SeqLM$/.test(a)) ||
    existsSync(path.join(dir, "onnx", "encoder_model.onnx"));
  if (seq2seq)
    throw new ModelFolderError(
      dir,
      "config.json",
      `encoder-decoder (seq2seq) models such as ${config.model_type} are not supported yet`,
      "is_encoder_decoder",
    );
  let kind: ModelKind;
  if (architectures.some((a) => a.endsWith("ForSequenceClassification"))) kind = "classifier";
  else if (architectures.some((a) => /ForCausalLM$|LMHeadModel$/.test(a))) kind = "causal-lm";
  else if (architectures.length > 0)
    throw new ModelFolderError(
      dir,
      "config.json",
      `architecture ${architectures.join(", ")} is not supported (expected *ForCausalLM, *LMHeadModel or *ForSequenceClassification)`,
      "architectures",
    );
  else kind = "causal-lm"; // no architectures: the graph check below decides whether it is one

  const candidates = ["onnx/model.onnx", "onnx/model_quantized.onnx"];
  const onnxFile = candidates.find((f) => existsSync(path.join(dir, f)));
  if (!onnxFile)
    throw new ModelFolderError(dir, candidates[0], `file is missing (looked for ${candidates.join(" and ")})`);

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
  } else {
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

// ---------------------------------------------------------------------------------------------
// Graph check: config.json against the ONNX graph's inputs and outputs

export interface GraphValue {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface GraphSignature {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: readonly GraphValue[];
  outputMetadata?: readonly GraphValue[];
}

/** What the runner needs to know about a decoder graph. */
export interface DecoderGraph {
  hasPositionIds: boolean;
  /** Optimum's merged decoders take a boolean "use_cache_branch". */
  hasUseCacheBranch: boolean;
  kvType: "float32" | "float16";
  pastNames: string[];
  presentNames: string[];
}

export interface ClassifierGraph {
  hasTokenTypeIds: boolean;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function metadataOf(list: readonly GraphValue[] | undefined, name: string): GraphValue | undefined {
  return list?.find((m) => m.name === name);
}

/** Check a causal LM's graph against config.json; throws ModelFolderError naming the input. */
export function checkDecoderGraph(folder: ModelFolder, graph: GraphSignature): DecoderGraph {
  const shape = folder.decoder!;
  const fail = (message: string, input: string): never => {
    throw new ModelFolderError(folder.dir, folder.onnxFile, message, input);
  };
  for (const name of ["input_ids", "attention_mask"])
    if (!graph.inputNames.includes(name))
      fail(`graph has no input "${name}" (inputs: ${graph.inputNames.join(", ")})`, name);
  if (!graph.outputNames.includes("logits"))
    fail(`graph has no output "logits" (outputs: ${graph.outputNames.join(", ")})`, "logits");

  const known = new Set(["input_ids", "attention_mask", "position_ids", "use_cache_branch"]);
  const pastLayers = new Set<number>();
  for (const name of graph.inputNames) {
    const m = PAST.exec(name);
    if (m) pastLayers.add(Number(m[1]));
    else if (!known.has(name)) fail(`graph input "${name}" is not one Loom knows how to feed`, name);
  }
  if (pastLayers.size === 0)
    fail(
      `graph has no "past_key_values.N.key|value" inputs: export it with past (optimum task text-generation-with-past)`,
      "past_key_values.0.key",
    );
  if (pastLayers.size !== shape.numLayers)
    fail(
      `graph has ${pastLayers.size} layers of past_key_values but config.json says num_hidden_layers = ${shape.numLayers}`,
      `past_key_values.${Math.min(pastLayers.size, shape.numLayers)}.key`,
    );

  const pastNames: string[] = [];
  const presentNames: string[] = [];
  let kvType: "float32" | "float16" | undefined;
  for (let i = 0; i < shape.numLayers; i++) {
    for (const kind of ["key", "value"]) {
      const past = `past_key_values.${i}.${kind}`;
      const present = `present.${i}.${kind}`;
      if (!graph.inputNames.includes(past)) fail(`graph has no input "${past}"`, past);
      if (!graph.outputNames.includes(present)) fail(`graph has no output "${present}"`, present);
      pastNames.push(past);
      presentNames.push(present);
      const meta = metadataOf(graph.inputMetadata, past);
      if (meta && meta.isTensor) {
        if (meta.type !== "float32" && meta.type !== "float16")
          fail(`input "${past}" has type ${meta.type}; Loom supports float32 and float16 caches`, past);
        kvType ??= meta.type as "float32" | "float16";
        const dims = meta.shape ?? [];
        if (dims.length !== 4)
          fail(`input "${past}" has rank ${dims.length}, expected 4 [batch, kv_heads, past, head_dim]`, past);
        if (typeof dims[1] === "number" && dims[1] !== shape.numKvHeads)
          fail(
            `input "${past}" has ${dims[1]} key/value heads but config.json gives num_key_value_heads = ${shape.numKvHeads}`,
            past,
          );
        if (typeof dims[3] === "number" && dims[3] !== shape.headDim)
          fail(
            `input "${past}" has head size ${dims[3]} but config.json gives head_dim = ${shape.headDim} (hidden_size / num_attention_heads or head_dim)`,
            past,
          );
      }
    }
  }
  const logits = metadataOf(graph.outputMetadata, "logits");
  const vocabDim = logits?.shape?.[logits.shape.length - 1];
  if (typeof vocabDim === "number" && vocabDim !== shape.vocabSize)
    fail(`output "logits" has ${vocabDim} classes but config.json says vocab_size = ${shape.vocabSize}`, "logits");
  return {
    hasPositionIds: graph.inputNames.includes("position_ids"),
    hasUseCacheBranch: graph.inputNames.includes("use_cache_branch"),
    kvType: kvType ?? "float32",
    pastNames,
    presentNames,
  };
}

/** Check a sequence classifier's graph against config.json. */
export function checkClassifierGraph(folder: ModelFolder, graph: GraphSignature): ClassifierGraph {
  const fail = (message: string, input: string): never => {
    throw new ModelFolderError(folder.dir, folder.onnxFile, message, input);
  };
  if (!graph.inputNames.includes("input_ids"))
    fail(`graph has no input "input_ids" (inputs: ${graph.inputNames.join(", ")})`, "input_ids");
  const known = new Set(["input_ids", "attention_mask", "token_type_ids"]);
  for (const name of graph.inputNames)
    if (!known.has(name)) fail(`graph input "${name}" is not one Loom knows how to feed to a classifier`, name);
  if (!graph.outputNames.includes("logits"))
    fail(`graph has no output "logits" (outputs: ${graph.outputNames.join(", ")})`, "logits");
  const logits = metadataOf(graph.outputMetadata, "logits");
  const classes = logits?.shape?.[logits.shape.length - 1];
  if (typeof classes === "number" && classes !== folder.labels!.length)
    fail(`output "logits" has ${classes} classes but config.json's id2label has ${folder.labels!.length}`, "logits");
  return { hasTokenTypeIds: graph.inputNames.includes("token_type_ids") };
}
