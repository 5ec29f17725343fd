// Picks the next token from one row of logits. Pure functions over Float32Array, independent of
// the batch a row came from, so a request samples the same tokens alone or batched.

export interface SamplingOptions {
  /** 0 (or undefined with doSample false) means greedy: always the most likely token. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: no limit). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 or undefined: no limit). */
  topP?: number;
  /** HF/CTRL-style penalty on every token already in the context (prompt + output); 1 = off. */
  repetitionPenalty?: number;
  /** OpenAI-style additive penalty per occurrence of a token in the output so far; 0 = off. */
  frequencyPenalty?: number;
  /** OpenAI-style additive penalty once a token occurs in the output; 0 = off. */
  presencePenalty?: number;
  /** Seed for the PRNG; the same seed, model and prompt give the same text. */
  seed?: number;
  /** generation_config's do_sample; false forces greedy whatever the temperature. */
  doSample?: boolean;
}

/** A small, fast, seedable PRNG (mulberry32): reproducible sampling without a dependency. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest value; the first one on ties (as torch.argmax and transformers.js do). */
export function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = row[0]!;
  const n = row.length;
  for (let i = 1; i < n; i++) {
    if (row[i]! > bestValue) {
      bestValue = row[i]!;
      best = i;
    }
  }
  return best;
}

export function isGreedy(options: SamplingOptions): boolean {
  if (options.doSample === false) return true;
  return options.temperature === undefined || options.temperature <= 0;
}

/**
 * Per-request sampler: keeps the token counts the penalties need and the PRNG state, so each
 * request is reproducible from its seed no matter what else runs in the same batch.
 */
export class Sampler {
  private readonly random: () => number;
  /** Tokens of the whole context (prompt + output) for the repetition penalty. */
  private readonly contextTokens = new Set<number>();
  /** How often each token occurs in the output, for frequency/presence penalties. */
  private readonly outputCounts = new Map<number, number>();
  readonly greedy: boolean;

  constructor(
    private readonly options: SamplingOptions,
    promptIds: readonly number[] = [],
  ) {
    this.greedy = isGreedy(options);
    this.random = createRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    if (this.needsRepetitionPenalty()) for (const id of promptIds) this.contextTokens.add(id);
  }

  private needsRepetitionPenalty(): boolean {
    const p = this.options.repetitionPenalty;
    return p !== undefined && p !== 1 && p > 0;
  }

  private needsOutputPenalties(): boolean {
    return (this.options.frequencyPenalty ?? 0) !== 0 || (this.options.presencePenalty ?? 0) !== 0;
  }

  /** Tell the sampler which token was chosen (it may differ from `sample`'s, e.g. a forced one). */
  accept(tokenId: number): void {
    if (this.needsRepetitionPenalty()) this.contextTokens.add(tokenId);
    if (this.needsOutputPenalties()) this.outputCounts.set(tokenId, (this.outputCounts.get(tokenId) ?? 0) + 1);
  }

  /** Choose the next token from `logits` (one row, vocabulary-sized). Does not modify `logits`. */
  sample(logits: Float32Array): number {
    const penalised = this.needsRepetitionPenalty() || this.needsOutputPenalties();
    const row = penalised ? applyPenalties(logits, this.options, this.contextTokens, this.outputCounts) : logits;
    if (this.greedy) return argmax(row);
    return sampleFromLogits(row, this.options, this.random);
  }
}

/** Returns a penalised copy of `logits`. */
export function applyPenalties(
  logits: Float32Array,
  options: SamplingOptions,
  contextTokens: Iterable<number>,
  outputCounts: ReadonlyMap<number, number>,
): Float32Array {
  const row = new Float32Array(logits);
  const rp = options.repetitionPenalty;
  if (rp !== undefined && rp !== 1 && rp > 0) {
    // CTRL / HF: divide positive logits, multiply negative ones, so the token always gets less likely.
    for (const id of contextTokens) {
      if (id < 0 || id >= row.length) continue;
      const v = row[id]!;
      row[id] = v > 0 ? v / rp : v * rp;
    }
  }
  const fp = options.frequencyPenalty ?? 0;
  const pp = options.presencePenalty ?? 0;
  if (fp !== 0 || pp !== 0) {
    for (const [id, count] of outputCounts) {
      if (id < 0 || id >= row.length) continue;
      row[id] = row[id]! - fp * count - (count > 0 ? pp : 0);
    }
  }
  return row;
}

/**
 * Temperature → top-k → top-p → draw. Works on candidate lists rather than sorting the whole
 * vocabulary when top-k is set, which keeps a 32k–150k vocabulary cheap per token.
 */
export function sampleFromLogits(logits: Float32Array, options: SamplingOptions, random: () => number): number {
  const temperature = options.temperature && options.temperature > 0 ? options.temperature : 1;
  const vocab = logits.length;
  const topK = options.topK && options.topK > 0 ? Math.min(options.topK, vocab) : vocab;
  const topP = options.topP !== undefined && options.topP > 0 && options.topP < 1 ? options.topP : 1;
  if (topK === vocab && topP < 1) return sampleTopP(logits, temperature, topP, random);

  // Candidate indices, most likely first when a cut is needed.
  let candidates: number[];
  if (topK < vocab) {
    candidates = topKIndices(logits, topK);
  } else {
    candidates = Array.from({ length: vocab }, (_, i) => i);
  }

  // Softmax over the candidates at this temperature (max-subtracted for stability).
  let max = -Infinity;
  for (const i of candidates) if (logits[i]! > max) max = logits[i]!;
  const probs = new Float64Array(candidates.length);
  let sum = 0;
  for (let j = 0; j < candidates.length; j++) {
    const p = Math.exp((logits[candidates[j]!]! - max) / temperature);
    probs[j] = p;
    sum += p;
  }
  let keep = candidates.length;
  if (topP < 1) {
    // Candidates are sorted: keep the shortest prefix whose mass reaches topP (at least one).
    let mass = 0;
    for (let j = 0; j < candidates.length; j++) {
      mass += probs[j]! / sum;
      if (mass >= topP) {
        keep = j + 1;
        break;
      }
    }
    sum = 0;
    for (let j = 0; j < keep; j++) sum += probs[j]!;
  }
  let r = random() * sum;
  for (let j = 0; j < keep; j++) {
    r -= probs[j]!;
    if (r < 0) return candidates[j]!;
  }
  return candidates[keep - 1]!; // rounding left a sliver: the last kept candidate
}

/**
 * Top-p without top-k. Sorting the whole vocabulary for every token (~100k comparisons for 8k
 * tokens) was most of the server's main thread with a few dozen streams; only the most likely
 * tokens can be kept, so only those above a weight threshold are sorted, the threshold lowered
 * until they hold the mass. Same choice as sorting everything, up to the rounding of the
 * normalising sum (added in index order here, in sorted order there).
 */
function sampleTopP(logits: Float32Array, temperature: number, topP: number, random: () => number): number {
  const vocab = logits.length;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[i]! > max) max = logits[i]!;
  const weights = new Float64Array(vocab); // softmax numerators: the most likely token weighs 1
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    const w = Math.exp((logits[i]! - max) / temperature);
    weights[i] = w;
    total += w;
  }
  for (const threshold of [1e-3, 1e-6, 1e-12, 0]) {
    // Every token at or above the threshold outweighs every token below it: a prefix of the order.
    const candidates: number[] = [];
    for (let i = 0; i < vocab; i++) if (weights[i]! >= threshold) candidates.push(i);
    candidates.sort((a, b) => logits[b]! - logits[a]! || a - b);
    let mass = 0;
    let keep = 0;
    for (let j = 0; j < candidates.length; j++) {
      mass += weights[candidates[j]!]! / total;
      if (mass >= topP) {
        keep = j + 1;
        break;
      }
    }
    if (keep === 0 && threshold > 0) continue; // not enough mass above it yet
    if (keep === 0) keep = candidates.length;
    let sum = 0;
    for (let j = 0; j < keep; j++) sum += weights[candidates[j]!]!;
    let r = random() * sum;
    for (let j = 0; j < keep; j++) {
      r -= weights[candidates[j]!]!;
      if (r < 0) return candidates[j]!;
    }
    return candidates[keep - 1]!; // rounding left a sliver: the last kept candidate
  }
  throw new Error("unreachable: threshold 0 keeps every token");
}

/** The k largest logits' indices, largest first (ties: lower index first). */
export function topKIndices(logits: Float32Array, k: number): number[] {
  // A small sorted buffer: O(V·k) worst case but k is small (typically ≤ 100).
  const idx: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (idx.length === k && v <= logits[idx[k - 1]!]!) continue;
    let pos = idx.length;
    while (pos > 0 && logits[idx[pos - 1]!]! < v) pos--;
    idx.splice(pos, 0, i);
    if (idx.length > k) idx.pop();
  }
  return idx;
}
