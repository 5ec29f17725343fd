// KV cache for graphs in the appended layout (kv-layout.ts): the engine owns the cache.
//
// Each layer's keys and values for the whole batch live in one fixed-capacity buffer
// [B, kvHeads, C, headDim] that is fed as past_key_values.* as it is (onnxruntime-node wraps a
// CPU input's TypedArray without copying it). Row b's entries sit LEFT-aligned in [0, len_b); the
// slots after them are spare capacity, hidden by the attention mask. A step's present_new.* holds
// only the positions it ran, and they are written into slots [len_b, len_b + new) in place: per
// step the engine moves O(batch) bytes, where the standard layout moves the whole cache.
//
// Why the order of slots is free: keys are cached after RoPE (their positions come from
// position_ids, which stay each row's true length), and attention is a masked sum over key slots,
// so where a key sits on the time axis does not matter, only whether the mask shows it. The
// graph's causal mask treats every past slot as earlier than every new position, which holds.
//
// The capacity grows in pages (copying once per page, not once per step) when a row would run
// past it, and the buffers are rebuilt only when the batch changes (a join or a leave).

import * as ort from "onnxruntime-node";
import type { KvDataType, KvLayout, KvRow } from "./kv-cache";
import type { KvBatch } from "./kv-layout";

type KvArray = Float32Array | Uint16Array; // float16 is carried as raw 16-bit words

/** Capacity is a whole number of these time steps. */
export const DEFAULT_PAGE_TOKENS = 32;

function allocate(dtype: KvDataType, size: number): KvArray {
  return dtype === "float16" ? new Uint16Array(size) : new Float32Array(size);
}

function hostData(tensor: ort.Tensor): KvArray {
  if (tensor.location !== "cpu" && tensor.location !== "cpu-pinned")
    throw new Error(`appended KV layout: present_new.* must be in host memory (got ${tensor.location})`);
  return tensor.data as KvArray;
}

export class PagedKv implements KvBatch {
  private buffers: KvArray[];
  private feeds: ort.Tensor[];
  private capacity: number;
  private readonly rowList: KvRow[];

  private constructor(
    readonly layout: KvLayout,
    rows: readonly KvRow[],
    capacity: number,
    readonly pageTokens: number,
    buffers?: KvArray[],
  ) {
    this.rowList = rows.map((r) => ({ ...r }));
    this.capacity = capacity;
    const size = rows.length * layout.numKvHeads * capacity * layout.headDim;
    this.buffers = buffers ?? Array.from({ length: layout.numLayers * 2 }, () => allocate(layout.dtype, size));
    this.feeds = this.wrap();
  }

  /** Zero-length caches for a batch about to be prefilled. */
  static empty(layout: KvLayout, rows: readonly KvRow[], pageTokens = DEFAULT_PAGE_TOKENS): PagedKv {
    if (rows.some((r) => r.length !== 0)) throw new Error("PagedKv.empty: rows must start empty");
    return new PagedKv(layout, rows, 0, pageTokens);
  }

  /** Capacity for `tokens` entries: whole pages. */
  private static capacityFor(tokens: number, pageTokens: number): number {
    return Math.ceil(tokens / pageTokens) * pageTokens;
  }

  get rows(): readonly KvRow[] {
    return this.rowList;
  }

  get batchSize(): number {
    return this.rowList.length;
  }

  /** The feeds' time axis: the capacity (spare slots are masked). */
  get pastLength(): number {
    return this.capacity;
  }

  get tensors(): readonly ort.Tensor[] {
    return this.feeds;
  }

  get bytes(): { used: number; allocated: number } {
    const { numLayers, numKvHeads, headDim, dtype } = this.layout;
    const perToken = numLayers * 2 * numKvHeads * headDim * (dtype === "float16" ? 2 : 4);
    const used = this.rowList.reduce((s, r) => s + r.length, 0) * perToken;
    return { used, allocated: this.rowList.length * this.capacity * perToken };
  }

  private wrap(): ort.Tensor[] {
    const dims = [this.rowList.length, this.layout.numKvHeads, this.capacity, this.layout.headDim];
    return this.buffers.map((b) => new ort.Tensor(this.layout.dtype, b, dims));
  }

  /** attention_mask [B, C + newTokens]: 1 over each row's entries and the new positions. */
  attentionMask(newTokens: number): ort.Tensor {
    const C = this.capacity;
    const width = C + newTokens;
    const data = new BigInt64Array(this.rowList.length * width);
    // Low 32-bit words = 1 (little-endian, as every platform onnxruntime-node ships for): filling
    // with BigInts is several times slower and this runs every step.
    const words = new Uint32Array(data.buffer);
    this.rowList.forEach((row, b) => {
      const start = b * width;
      for (let i = start; i < start + row.length; i++) words[2 * i] = 1;
      for (let i = start + C; i < start + width; i++) words[2 * i] = 1;
    });
    return new ort.Tensor("int64", data, [this.rowList.length, width]);
  }

  /** position_ids [B, 1] for the next token of each row: its own length. */
  nextPositionIds(): ort.Tensor {
    return new ort.Tensor(
      "int64",
      BigInt64Array.from(this.rowList, (r) => BigInt(r.length)),
      [this.rowList.length, 1],
    );
  }

  /** Reallocate to `capacity` slots per row, keeping every row's entries (a page boundary). */
  private grow(capacity: number): void {
    const { numKvHeads: H, headDim: D, dtype } = this.layout;
    const B = this.rowList.length;
    const old = this.capacity;
    this.buffers = this.buffers.map((src) => {
      const out = allocate(dtype, B * H * capacity * D);
      for (let b = 0; b < B; b++) {
        const len = this.rowList[b]!.length;
        for (let h = 0; h < H; h++) {
          const from = (b * H + h) * old * D;
          out.set(src.subarray(from, from + len * D), (b * H + h) * capacity * D);
        }
      }
      return out;
    });
    this.capacity = capacity;
    this.feeds = this.wrap();
  }

  /**
   * Append a pass's present_new.* ([B, kvHeads, newTokens, headDim] each, in past order) at each
   * row's end, growing by pages first if a row would overrun. Updates and returns this batch.
   */
  advanced(outputs: readonly ort.Tensor[], newTokens: number): PagedKv {
    const { numKvHeads: H, headDim: D } = this.layout;
    const B = this.rowList.length;
    if (outputs.length !== this.buffers.length)
      throw new Error(`PagedKv: expected ${this.buffers.length} outputs, got ${outputs.length}`);
    for (const t of outputs) {
      const [b, h, s, d] = t.dims;
      if (b !== B || h !== H || s !== newTokens || d !== D)
        throw new Error(
          `PagedKv: present_new has dims [${t.dims.join(", ")}], expected [${B}, ${H}, ${newTokens}, ${D}]`,
        );
    }
    const longest = Math.max(...this.rowList.map((r) => r.length)) + newTokens;
    if (longest > this.capacity) this.grow(PagedKv.capacityFor(longest, this.pageTokens));
    const C = this.capacity;
    const span = newTokens * D;
    outputs.forEach((tensor, t) => {
      const src = hostData(tensor);
      const dst = this.buffers[t]!;
      for (let b = 0; b < B; b++) {
        const at = this.rowList[b]!.length * D;
        for (let h = 0; h < H; h++) {
          const from = (b * H + h) * span;
          dst.set(src.subarray(from, from + span), (b * H + h) * C * D + at);
        }
      }
    });
    for (const row of this.rowList) row.length += newTokens;
    return this;
  }

  /**
   * A new batch of the chosen rows of several batches (sequences joining, or the survivors of
   * one), with capacity for the longest chosen row plus at least one more token, in pages.
   */
  static merge(
    layout: KvLayout,
    parts: ReadonlyArray<{ kv: PagedKv; rows?: readonly number[] }>,
    pageTokens = parts[0]?.kv.pageTokens ?? DEFAULT_PAGE_TOKENS,
  ): PagedKv | undefined {
    const picks: Array<{ kv: PagedKv; index: number }> = [];
    for (const part of parts) {
      const indices = part.rows ?? part.kv.rowList.map((_, i) => i);
      for (const index of indices) picks.push({ kv: part.kv, index });
    }
    if (picks.length === 0) return undefined;
    const { numKvHeads: H, headDim: D, dtype } = layout;
    const B = picks.length;
    const longest = Math.max(...picks.map((p) => p.kv.rowList[p.index]!.length));
    const C = PagedKv.capacityFor(longest + 1, pageTokens);
    const buffers: KvArray[] = [];
    for (let t = 0; t < layout.numLayers * 2; t++) {
      const out = allocate(dtype, B * H * C * D);
      picks.forEach(({ kv, index }, b) => {
        const src = kv.buffers[t]!;
        const len = kv.rowList[index]!.length;
        for (let h = 0; h < H; h++) {
          const from = (index * H + h) * kv.capacity * D;
          out.set(src.subarray(from, from + len * D), (b * H + h) * C * D);
        }
      });
      buffers.push(out);
    }
    return new PagedKv(
      layout,
      picks.map((p) => p.kv.rowList[p.index]!),
      C,
      pageTokens,
      buffers,
    );
  }

  async without(ids: ReadonlySet<number>): Promise<PagedKv | undefined> {
    const keep = this.rowList.flatMap((r, i) => (ids.has(r.id) ? [] : [i]));
    if (keep.length === this.rowList.length) return this;
    const next = PagedKv.merge(this.layout, [{ kv: this, rows: keep }]);
    this.dispose();
    return next;
  }

  async extract(id: number): Promise<PagedKv> {
    const index = this.rowList.findIndex((r) => r.id === id);
    if (index === -1) throw new Error(`PagedKv: no row for sequence ${id}`);
    return PagedKv.merge(this.layout, [{ kv: this, rows: [index] }])!;
  }

  /** One row's entries of buffer `t` as [head][time] slices (tests and checks). */
  entries(t: number, b: number): KvArray[] {
    const { numKvHeads: H, headDim: D } = this.layout;
    const len = this.rowList[b]!.length;
    return Array.from({ length: H }, (_, h) => {
      const from = (b * H + h) * this.capacity * D;
      return this.buffers[t]!.slice(from, from + len * D);
    });
  }

  /** Drop the buffers (host memory goes when the GC runs; nothing else holds them). */
  dispose(): void {
    this.buffers = [];
    this.feeds = [];
  }
}
