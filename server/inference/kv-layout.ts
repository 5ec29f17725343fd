// Which KV-cache layout a decoder graph has, told by its output names, and the one interface the
// runner and scheduler use for either (decision 032).
//
// - "present" (the Hugging Face / Optimum layout): present.N.key/value hold the whole cache,
//   past + new, every step. The returned tensors become the next step's past (kv-cache.ts).
// - "appended" (Loom's own export, training/kv_layout.py): present_new.N.key/value hold only the
//   positions the step ran. The engine keeps the cache in buffers it owns and appends them
//   (kv-paged.ts), so a decode step moves O(batch) bytes out of onnxruntime, not O(batch × context).

import type * as ort from "onnxruntime-node";
import type { KvLayout, KvRow } from "./kv-cache";

export type KvOutputLayout = "present" | "appended";

export interface KvOutputs {
  layout: KvOutputLayout;
  /** Output names in past_key_values order: key0, value0, key1, value1, … */
  names: string[];
}

const namesOf = (prefix: string, numLayers: number) =>
  Array.from({ length: numLayers }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();

/**
 * The graph's KV outputs: the appended layout when it has every present_new.N.key/value, else
 * the standard one. Returns the first missing name of the standard layout when neither is whole
 * (the caller reports it against the graph).
 */
export function kvOutputsOf(outputNames: readonly string[], numLayers: number): KvOutputs | { missing: string } {
  const outputs = new Set(outputNames);
  const appended = namesOf("present_new", numLayers);
  if (outputs.has(appended[0]!)) {
    const missing = appended.find((n) => !outputs.has(n));
    return missing ? { missing } : { layout: "appended", names: appended };
  }
  const present = namesOf("present", numLayers);
  const missing = present.find((n) => !outputs.has(n));
  return missing ? { missing } : { layout: "present", names: present };
}

/**
 * A batch of sequences' caches as the runner feeds them: `tensors` are the past_key_values.*
 * feeds [B, kvHeads, pastLength, headDim]; rows say which sequence each batch row is and how
 * many of its cache entries are real (the attention mask hides the rest).
 */
export interface KvBatch {
  readonly layout: KvLayout;
  readonly rows: readonly KvRow[];
  readonly tensors: readonly ort.Tensor[];
  /** The feeds' time axis. */
  readonly pastLength: number;
  readonly batchSize: number;
  readonly bytes: { used: number; allocated: number };
  attentionMask(newTokens: number): ort.Tensor;
  nextPositionIds(): ort.Tensor;
  /**
   * The cache after a pass over `newTokens` per row, from that pass's KV outputs. May be this
   * same object, updated in place (the appended layout): the caller releases the old batch only
   * when a different one comes back.
   */
  advanced(outputs: readonly ort.Tensor[], newTokens: number): KvBatch;
  /** This batch without the given sequences (undefined when none is left); this one is released. */
  without(ids: ReadonlySet<number>): Promise<KvBatch | undefined>;
  /** One sequence's cache on its own. */
  extract(id: number): Promise<KvBatch>;
  dispose(): void;
}
