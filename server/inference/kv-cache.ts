// KV cache for continuous batching.
//
// A decode step runs every live sequence in one batch, but sequences have different past lengths.
// They are packed left-padded: row i's real entries sit at the END of the time axis,
// [L - len_i, L), with zeros before them, attention_mask 0 over the padding and position_ids
// equal to the row's own length (so RoPE sees each sequence's true positions).
//
// Because every row keeps its data right-aligned, the model's present.* output of one step is
// already the packed past of the next (one column longer): in steady state nothing is copied.
// Data is moved only when the batch changes: a sequence joins (after its prefill) or leaves
// (finished, aborted, timed out) — then the remaining rows are repacked at once, which drops the
// leaver's memory and trims padding nobody needs any more.

import * as ort from "onnxruntime-node";
import type { KvBatch } from "./kv-layout";

export type KvDataType = "float32" | "float16";
type KvArray = Float32Array | Uint16Array; // float16 is carried as raw 16-bit words

export interface KvLayout {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  dtype: KvDataType;
}

export interface KvRow {
  /** The sequence (request) this row belongs to. */
  id: number;
  /** Real (unpadded) entries of this sequence in the cache = tokens seen so far. */
  length: number;
}

function allocate(dtype: KvDataType, size: number): KvArray {
  return dtype === "float16" ? new Uint16Array(size) : new Float32Array(size);
}

/** The tensor's data in host memory (downloads a device-resident tensor). */
async function hostData(tensor: ort.Tensor): Promise<KvArray> {
  if (tensor.location === "cpu" || tensor.location === "cpu-pinned") return tensor.data as KvArray;
  return (await tensor.getData()) as KvArray;
}

/**
 * One or more sequences' caches packed into per-layer tensors [B, kvHeads, L, headDim], in the
 * order key0, value0, key1, value1, … (the graph's past_key_values order).
 */
export class PackedKv implements KvBatch {
  constructor(
    readonly layout: KvLayout,
    readonly tensors: readonly ort.Tensor[],
    readonly rows: readonly KvRow[],
    /** L: length of the time axis (the longest row). */
    readonly pastLength: number,
  ) {
    if (tensors.length !== layout.numLayers * 2)
      throw new Error(`PackedKv: expected ${layout.numLayers * 2} tensors, got ${tensors.length}`);
  }

  get batchSize(): number {
    return this.rows.length;
  }

  /** Zero-length caches for a batch about to be prefilled. */
  static empty(layout: KvLayout, rows: readonly KvRow[]): PackedKv {
    const dims = [rows.length, layout.numKvHeads, 0, layout.headDim];
    const tensors = Array.from(
      { length: layout.numLayers * 2 },
      () => new ort.Tensor(layout.dtype, allocate(layout.dtype, 0), dims),
    );
    return new PackedKv(layout, tensors, rows, 0);
  }

  /** Bytes of cache held for real tokens (what a sequence costs), and in total with padding. */
  get bytes(): { used: number; allocated: number } {
    const perToken =
      this.layout.numLayers *
      2 *
      this.layout.numKvHeads *
      this.layout.headDim *
      (this.layout.dtype === "float16" ? 2 : 4);
    const used = this.rows.reduce((s, r) => s + r.length, 0) * perToken;
    return { used, allocated: this.rows.length * this.pastLength * perToken };
  }

  /** attention_mask [B, L + newTokens]: 0 over each row's left padding, 1 elsewhere. */
  attentionMask(newTokens: number): ort.Tensor {
    const width = this.pastLength + newTokens;
    const data = new BigInt64Array(this.rows.length * width);
    // Written through a 32-bit view (low words = 1): filling with BigInts is several times slower
    // and this runs every step. Little-endian, as every platform onnxruntime-node ships for.
    const words = new Uint32Array(data.buffer);
    this.rows.forEach((row, b) => {
      const pad = this.pastLength - row.length;
      for (let i = b * width + pad; i < (b + 1) * width; i++) words[2 * i] = 1;
    });
    return new ort.Tensor("int64", data, [this.rows.length, width]);
  }

  /** position_ids [B, 1] for the next token of each row: its own length. */
  nextPositionIds(): ort.Tensor {
    const data = BigInt64Array.from(this.rows, (r) => BigInt(r.length));
    return new ort.Tensor("int64", data, [this.rows.length, 1]);
  }

  /** The cache after a forward pass over `newTokens` tokens per row: present.* as the new past. */
  advanced(present: readonly ort.Tensor[], newTokens: number): PackedKv {
    return new PackedKv(
      this.layout,
      present,
      this.rows.map((r) => ({ id: r.id, length: r.length + newTokens })),
      this.pastLength + newTokens,
    );
  }

  /**
   * A new pack of the chosen rows of several packs (joining sequences into a batch, or keeping
   * the survivors of one). The time axis becomes the longest chosen row; data is right-aligned.
   */
  static async merge(
    layout: KvLayout,
    parts: ReadonlyArray<{ kv: PackedKv; rows?: readonly number[] }>,
  ): Promise<PackedKv | undefined> {
    const picks: Array<{ kv: PackedKv; index: number }> = [];
    for (const part of parts) {
      const indices = part.rows ?? part.kv.rows.map((_, i) => i);
      for (const index of indices) picks.push({ kv: part.kv, index });
    }
    if (picks.length === 0) return undefined;
    const { numKvHeads: H, headDim: D, dtype } = layout;
    const L = Math.max(...picks.map((p) => p.kv.rows[p.index]!.length));
    const B = picks.length;
    const tensors: ort.Tensor[] = [];
    for (let t = 0; t < layout.numLayers * 2; t++) {
      const out = allocate(dtype, B * H * L * D);
      const downloaded = new Map<ort.Tensor, KvArray>(); // one download per device tensor
      for (let b = 0; b < B; b++) {
        const { kv, index } = picks[b]!;
        const tensor = kv.tensors[t]!;
        let src = downloaded.get(tensor);
        if (!src) downloaded.set(tensor, (src = await hostData(tensor)));
        const len = kv.rows[index]!.length;
        const srcL = kv.pastLength;
        const srcStart = srcL - len;
        const dstStart = L - len;
        for (let h = 0; h < H; h++) {
          const from = ((index * H + h) * srcL + srcStart) * D;
          const to = ((b * H + h) * L + dstStart) * D;
          out.set(src.subarray(from, from + len * D), to);
        }
      }
      tensors.push(new ort.Tensor(dtype, out, [B, H, L, D]));
    }
    return new PackedKv(
      layout,
      tensors,
      picks.map((p) => ({ ...p.kv.rows[p.index]! })),
      L,
    );
  }

  /** This pack without the given sequences (undefined when none is left). */
  async without(ids: ReadonlySet<number>): Promise<PackedKv | undefined> {
    const keep = this.rows.flatMap((r, i) => (ids.has(r.id) ? [] : [i]));
    if (keep.length === this.rows.length) return this;
    const next = await PackedKv.merge(this.layout, [{ kv: this, rows: keep }]);
    this.dispose();
    return next;
  }

  /** One sequence's cache on its own (unpadded). */
  async extract(id: number): Promise<PackedKv> {
    const index = this.rows.findIndex((r) => r.id === id);
    if (index === -1) throw new Error(`PackedKv: no row for sequence ${id}`);
    return (await PackedKv.merge(this.layout, [{ kv: this, rows: [index] }]))!;
  }

  /** Release the tensors (device memory at once; host memory when the GC runs). */
  dispose(): void {
    for (const t of this.tensors) {
      try {
        t.dispose();
      } catch {
        // already released
      }
    }
  }
}
