// Forward passes of a causal LM graph: prefill (a prompt, batch 1, empty past) and decode (one
// token for every row of a packed batch). Builds the feeds the standard Optimum names expect and
// turns outputs into logits rows plus the next cache: a PackedKv for graphs that return the whole
// cache (present.*), a PagedKv for Loom's appended layout (present_new.*; kv-layout.ts). Knows
// nothing about requests.

import * as ort from "onnxruntime-node";
import type { DecoderGraph } from "./graph-check";
import { PackedKv, type KvLayout } from "./kv-cache";
import type { KvBatch } from "./kv-layout";
import { DEFAULT_PAGE_TOKENS, PagedKv } from "./kv-paged";

export interface StepTimings {
  /** Milliseconds inside session.run (the model itself). */
  runMs: number;
}

/** float16 bits → number (for models exported in half precision). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x03ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function toFloat32(data: ort.Tensor["data"]): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (data instanceof Float64Array) return Float32Array.from(data);
  throw new Error(`logits of an unsupported type (${Object.prototype.toString.call(data)})`);
}

/** log softmax(row)[index], computed stably. */
function logSoftmaxAt(row: Float32Array, index: number): number {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  return row[index]! - max - Math.log(sum);
}

function int64(values: readonly number[], dims: number[]): ort.Tensor {
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

export class DecoderRunner {
  constructor(
    readonly session: ort.InferenceSession,
    readonly layout: KvLayout,
    readonly graph: DecoderGraph,
    readonly vocabSize: number,
    /**
     * Longest slice of a prompt run at once. A prompt is prefilled in chunks so one huge prompt
     * never holds the thread for long: the event loop gets a turn between chunks.
     */
    readonly prefillChunk = 256,
    /** Appended layout: the cache's capacity grows by this many time steps at a time. */
    readonly pageTokens = DEFAULT_PAGE_TOKENS,
  ) {}

  /** A zero-length cache of the graph's layout for sequences about to be prefilled. */
  emptyCache(ids: readonly number[]): KvBatch {
    const rows = ids.map((id) => ({ id, length: 0 }));
    return this.graph.kvLayout === "appended"
      ? PagedKv.empty(this.layout, rows, this.pageTokens)
      : PackedKv.empty(this.layout, rows);
  }

  /**
   * One batch of the chosen rows of several (joining sequences, or keeping survivors). Every
   * part must come from this runner (one layout).
   */
  async merge(parts: ReadonlyArray<{ kv: KvBatch; rows?: readonly number[] }>): Promise<KvBatch | undefined> {
    if (this.graph.kvLayout === "appended") {
      const paged = parts.map((p) => {
        if (!(p.kv instanceof PagedKv)) throw new Error("merge: a standard-layout cache in an appended-layout batch");
        return { kv: p.kv, rows: p.rows };
      });
      return PagedKv.merge(this.layout, paged, this.pageTokens);
    }
    const packed = parts.map((p) => {
      if (!(p.kv instanceof PackedKv)) throw new Error("merge: an appended-layout cache in a standard-layout batch");
      return { kv: p.kv, rows: p.rows };
    });
    return PackedKv.merge(this.layout, packed);
  }

  private feedsFor(kv: KvBatch, inputIds: ort.Tensor, positionIds: ort.Tensor, newTokens: number) {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: inputIds,
      attention_mask: kv.attentionMask(newTokens),
    };
    if (this.graph.hasPositionIds) feeds.position_ids = positionIds;
    if (this.graph.hasUseCacheBranch)
      feeds.use_cache_branch = new ort.Tensor("bool", new Uint8Array([kv.pastLength > 0 ? 1 : 0]), [1]);
    this.graph.pastNames.forEach((name, i) => {
      feeds[name] = kv.tensors[i]!;
    });
    return feeds;
  }

  private async run(
    feeds: Record<string, ort.Tensor>,
  ): Promise<{ out: ort.InferenceSession.ReturnType; runMs: number }> {
    const started = performance.now();
    const out = await this.session.run(feeds);
    return { out, runMs: performance.now() - started };
  }

  private presents(out: ort.InferenceSession.ReturnType): ort.Tensor[] {
    return this.graph.presentNames.map((name) => out[name] as ort.Tensor);
  }

  /** The [B, S, V] logits output as floats; the tensor is released. */
  private takeLogits(out: ort.InferenceSession.ReturnType): { data: Float32Array; S: number; V: number } {
    const logits = out.logits as ort.Tensor;
    const data = toFloat32(logits.data);
    const V = logits.dims[logits.dims.length - 1]!;
    const S = logits.dims.length === 3 ? logits.dims[1]! : 1;
    logits.dispose();
    return { data, S, V };
  }

  /** Logits of the last position of each row of a [B, S, V] output. */
  private lastLogits(out: ort.InferenceSession.ReturnType, batch: number): Float32Array[] {
    const { data, S, V } = this.takeLogits(out);
    return Array.from({ length: batch }, (_, b) => data.subarray((b * S + S - 1) * V, (b * S + S) * V));
  }

  /**
   * Runs `ids` for one sequence from an empty cache, in chunks of `prefillChunk`, handing each
   * chunk's logits ([chunk length × V], row-major) to `onLogits`. Returns the final cache.
   */
  private async forward(
    sequenceId: number,
    ids: readonly number[],
    onLogits: (data: Float32Array, start: number, length: number, V: number) => void,
  ): Promise<{ kv: KvBatch } & StepTimings> {
    if (ids.length === 0) throw new Error("prefill needs at least one token");
    let kv = this.emptyCache([sequenceId]);
    let runMs = 0;
    for (let start = 0; start < ids.length; start += this.prefillChunk) {
      const chunk = ids.slice(start, start + this.prefillChunk);
      const positions = chunk.map((_, i) => start + i);
      const feeds = this.feedsFor(
        kv,
        int64(chunk, [1, chunk.length]),
        int64(positions, [1, chunk.length]),
        chunk.length,
      );
      const step = await this.run(feeds);
      runMs += step.runMs;
      const next = kv.advanced(this.presents(step.out), chunk.length);
      if (next !== kv) kv.dispose();
      kv = next;
      const { data, V } = this.takeLogits(step.out);
      onLogits(data, start, chunk.length, V);
    }
    return { kv, runMs };
  }

  /** Run a whole prompt for one sequence; returns the last position's logits and its cache. */
  async prefill(
    sequenceId: number,
    ids: readonly number[],
  ): Promise<{ logits: Float32Array; kv: KvBatch } & StepTimings> {
    let logits: Float32Array | undefined;
    const { kv, runMs } = await this.forward(sequenceId, ids, (data, _start, length, V) => {
      logits = data.subarray((length - 1) * V, length * V);
    });
    return { logits: logits!, kv, runMs };
  }

  /**
   * Teacher forcing: the natural-log probability of each of `ids[from…]` given the tokens before
   * it, from one pass over the whole sequence (no cache kept). For evaluation (perplexity).
   */
  async tokenLogProbs(ids: readonly number[], from: number): Promise<number[]> {
    if (from < 1 || from >= ids.length) throw new Error(`tokenLogProbs: from must be in [1, ${ids.length - 1}]`);
    const result: number[] = [];
    const { kv } = await this.forward(-1, ids.slice(0, -1), (data, start, length, V) => {
      for (let i = 0; i < length; i++) {
        const position = start + i; // its logits predict ids[position + 1]
        if (position + 1 < from) continue;
        result.push(logSoftmaxAt(data.subarray(i * V, (i + 1) * V), ids[position + 1]!));
      }
    });
    kv.dispose();
    return result;
  }

  /**
   * One decode step for every row of `kv`: `tokens[i]` is row i's newest token. Returns one
   * logits row per row and the advanced cache; `kv` must not be used again (its tensors are
   * released, or it is the advanced cache itself, updated in place).
   */
  async decode(kv: KvBatch, tokens: readonly number[]): Promise<{ logits: Float32Array[]; kv: KvBatch } & StepTimings> {
    if (tokens.length !== kv.batchSize) throw new Error(`decode: ${tokens.length} tokens for ${kv.batchSize} rows`);
    const feeds = this.feedsFor(kv, int64(tokens, [tokens.length, 1]), kv.nextPositionIds(), 1);
    const { out, runMs } = await this.run(feeds);
    const next = kv.advanced(this.presents(out), 1);
    if (next !== kv) kv.dispose();
    return { logits: this.lastLogits(out, tokens.length), kv: next, runMs };
  }
}
