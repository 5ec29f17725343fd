// The onnxruntime-genai model builder's folder layout: genai_config.json (instead of, or beside,
// config.json), the graph at the top of the folder (model.decoder.filename, usually model.onnx,
// with com.microsoft.GroupQueryAttention doing attention and rotary), tokenizer files, no
// generation_config.json. Its decoder inputs are input_ids, attention_mask and
// past_key_values.N.key/value (no position_ids: GroupQueryAttention derives positions from the
// mask), its outputs logits and present.N.key/value — the names Loom feeds already. This module
// turns genai_config.json into the config.json keys the rest of model-folder.ts reads, and refuses,
// naming the key, what Loom cannot feed (other I/O names, multi-part vision/speech models).

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ModelFolderError } from "./errors";

export const GENAI_CONFIG = "genai_config.json";

const tokenIds = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]);
const positiveInt = z.number().int().positive();

const genaiSchema = z.looseObject({
  model: z.looseObject({
    type: z.string().min(1),
    bos_token_id: tokenIds.optional(),
    eos_token_id: tokenIds.optional(),
    pad_token_id: tokenIds.optional(),
    context_length: positiveInt,
    vocab_size: positiveInt,
    decoder: z.looseObject({
      filename: z.string().min(1),
      head_size: positiveInt,
      hidden_size: positiveInt,
      num_attention_heads: positiveInt,
      num_hidden_layers: positiveInt,
      num_key_value_heads: positiveInt,
      inputs: z.record(z.string(), z.string()).optional(),
      outputs: z.record(z.string(), z.string()).optional(),
    }),
  }),
  search: z.looseObject({ max_length: positiveInt.optional() }).optional(),
});

/** What Loom feeds and reads, by genai_config.json's decoder.inputs / decoder.outputs keys. */
const EXPECTED_INPUTS: Record<string, string> = {
  input_ids: "input_ids",
  attention_mask: "attention_mask",
  position_ids: "position_ids",
  past_key_names: "past_key_values.%d.key",
  past_value_names: "past_key_values.%d.value",
};
const EXPECTED_OUTPUTS: Record<string, string> = {
  logits: "logits",
  present_key_names: "present.%d.key",
  present_value_names: "present.%d.value",
};
/** Parts of multi-model pipelines (Phi-3-vision, Whisper …) that Loom does not run. */
const OTHER_PARTS = ["vision", "speech", "embedding", "encoder"];

export interface GenaiLayout {
  /** config.json-shaped keys (config.json's own, when the folder has one, win). */
  config: Record<string, unknown>;
  /** The graph, relative to the folder. */
  onnxFile: string;
}

/** Undefined when the folder has no genai_config.json. */
export async function readGenaiLayout(dir: string): Promise<GenaiLayout | undefined> {
  const file = path.join(dir, GENAI_CONFIG);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new ModelFolderError(dir, GENAI_CONFIG, `is not valid JSON (${(e as Error).message})`);
  }
  const parsed = genaiSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join(".");
    throw new ModelFolderError(dir, GENAI_CONFIG, `"${key}": ${issue.message}`, key);
  }
  const { model, search } = parsed.data;
  const fail = (message: string, key: string): never => {
    throw new ModelFolderError(dir, GENAI_CONFIG, message, key);
  };
  for (const part of OTHER_PARTS)
    if (part in model)
      fail(
        `describes a multi-part model ("model.${part}"); Loom runs onnxruntime-genai decoder-only text models`,
        `model.${part}`,
      );
  const io = [
    ["inputs", model.decoder.inputs ?? {}, EXPECTED_INPUTS],
    ["outputs", model.decoder.outputs ?? {}, EXPECTED_OUTPUTS],
  ] as const;
  for (const [side, given, expected] of io)
    for (const [key, name] of Object.entries(given)) {
      const want = expected[key];
      if (want === undefined)
        fail(
          `"model.decoder.${side}.${key}" (${name}) is not a graph ${side.slice(0, -1)} Loom knows`,
          `model.decoder.${side}.${key}`,
        );
      else if (name !== want)
        fail(
          `"model.decoder.${side}.${key}" is "${name}"; Loom feeds and reads "${want}" (the Optimum names)`,
          `model.decoder.${side}.${key}`,
        );
    }
  const onnxFile = path.posix.normalize(model.decoder.filename.replaceAll("\\", "/"));
  if (onnxFile.startsWith("../") || path.posix.isAbsolute(onnxFile))
    fail(`"model.decoder.filename" must name a file inside the folder`, "model.decoder.filename");
  if (!existsSync(path.join(dir, onnxFile)))
    throw new ModelFolderError(dir, onnxFile, `file is missing (genai_config.json's model.decoder.filename)`);

  const d = model.decoder;
  const derived: Record<string, unknown> = {
    model_type: model.type,
    num_hidden_layers: d.num_hidden_layers,
    num_attention_heads: d.num_attention_heads,
    num_key_value_heads: d.num_key_value_heads,
    hidden_size: d.hidden_size,
    head_dim: d.head_size,
    vocab_size: model.vocab_size,
    max_position_embeddings: model.context_length,
    bos_token_id: model.bos_token_id,
    eos_token_id: model.eos_token_id,
    pad_token_id: model.pad_token_id,
  };
  let own: Record<string, unknown> = {};
  const configJson = path.join(dir, "config.json");
  if (existsSync(configJson)) {
    try {
      own = JSON.parse(await readFile(configJson, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new ModelFolderError(dir, "config.json", `is not valid JSON (${(e as Error).message})`);
    }
  }
  if (search?.max_length !== undefined) derived.max_length = search.max_length;
  return {
    config: { ...derived, ...own, loom: { ...(own.loom as object | undefined), layout: "onnxruntime-genai" } },
    onnxFile,
  };
}
