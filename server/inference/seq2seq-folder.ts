// An encoder-decoder folder in the layout transformers.js and Optimum use (decision 037):
// onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx (one decoder graph whose bool input
// use_cache_branch picks between the first step, which computes the encoder's KV, and the later
// steps, which read it from past_key_values.N.encoder.*). Its shapes come from config.json under
// each family's names (Marian/BART: decoder_layers, d_model; T5: num_decoder_layers, d_kv).

import { existsSync } from "node:fs";
import path from "node:path";
import { ModelFolderError } from "./errors";
import type { Seq2SeqShape } from "./model-folder";

export const ENCODER_FILE = "onnx/encoder_model.onnx";
export const DECODER_FILE = "onnx/decoder_model_merged.onnx";

/** The decoder graph the folder is reported by (encoder beside it); refused when one is missing. */
export function seq2seqGraphs(dir: string): { file: string; variant: "fp32"; reason: string } {
  for (const file of [ENCODER_FILE, DECODER_FILE]) {
    if (existsSync(path.join(dir, file))) continue;
    // Older Optimum exports split the decoder in two; Loom runs the merged graph only.
    const split = file === DECODER_FILE && existsSync(path.join(dir, "onnx", "decoder_with_past_model.onnx"));
    throw new ModelFolderError(
      dir,
      file,
      split
        ? "is missing: an encoder-decoder model needs the merged decoder (decoder_model.onnx + decoder_with_past_model.onnx are not supported; re-export with Optimum, which merges them)"
        : "is missing: an encoder-decoder model needs onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx",
    );
  }
  return {
    file: DECODER_FILE,
    variant: "fp32",
    reason: "encoder-decoder: encoder_model.onnx + decoder_model_merged.onnx",
  };
}

type Json = Record<string, unknown>;

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function tokenId(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

export function readSeq2SeqShape(dir: string, config: Json, generation: Json, decoderFile: string): Seq2SeqShape {
  const need = (value: number | undefined, key: string): number => {
    if (value === undefined)
      throw new ModelFolderError(dir, "config.json", `"${key}" is required for an encoder-decoder model`, key);
    return value;
  };
  const dModel = need(positive(config.d_model) ?? positive(config.hidden_size), "d_model");
  const layers = need(
    positive(config.decoder_layers) ?? positive(config.num_decoder_layers) ?? positive(config.num_layers),
    "decoder_layers",
  );
  const heads = need(positive(config.decoder_attention_heads) ?? positive(config.num_heads), "decoder_attention_heads");
  const headDim = positive(config.d_kv) ?? dModel / heads;
  if (!Number.isInteger(headDim))
    throw new ModelFolderError(dir, "config.json", `d_model ${dModel} is not a multiple of ${heads} heads`, "d_model");
  const pad = tokenId(generation.pad_token_id) ?? tokenId(config.pad_token_id);
  const start = tokenId(generation.decoder_start_token_id) ?? tokenId(config.decoder_start_token_id) ?? pad;
  const badWords = Array.isArray(generation.bad_words_ids) ? generation.bad_words_ids : [];
  const banned = badWords.flatMap((w: unknown) => (Array.isArray(w) && w.length === 1 ? [tokenId(w[0])] : []));
  const forcedBos = tokenId(generation.forced_bos_token_id) ?? tokenId(config.forced_bos_token_id);
  const forcedEos = tokenId(generation.forced_eos_token_id) ?? tokenId(config.forced_eos_token_id);
  return {
    encoderPath: path.join(dir, ENCODER_FILE),
    decoderPath: path.join(dir, decoderFile),
    decoderLayers: layers,
    decoderHeads: heads,
    headDim,
    vocabSize: need(positive(config.vocab_size), "vocab_size"),
    // T5's positions are relative (no table): its configs give n_positions, else 512 as HF's tokenizer does.
    maxPositions: positive(config.max_position_embeddings) ?? positive(config.n_positions) ?? 512,
    decoderStartTokenId: need(start, "decoder_start_token_id"),
    bannedTokenIds: banned.filter((id): id is number => id !== undefined),
    ...(forcedBos !== undefined && { forcedBosTokenId: forcedBos }),
    ...(forcedEos !== undefined && { forcedEosTokenId: forcedEos }),
  };
}
