// Text-generation metrics with the usual tools' definitions, so `npm run eval` (TypeScript,
// against the engine) and training/evaluate.py (PyTorch, with training/metrics.py) report comparable numbers:
//
// - chrF: sacreBLEU's CHRF defaults (character 6-grams, β = 2, whitespace removed, corpus
//   statistics, F averaged over the orders that had n-grams on both sides).
// - BLEU: sacreBLEU's corpus BLEU (4-grams, brevity penalty, "exp" smoothing) with the 13a
//   tokenizer, or the "zh" one (every CJK character a token) for Chinese targets.
// - ROUGE-1/2/L F1: rouge-score's definitions (lowercased, non-alphanumerics as separators, no
//   stemming; L = sentence-level longest common subsequence).
// - edit similarity: 1 − Levenshtein distance / the longer length, over trimmed lines.
//
// Strings are compared by code point (`Array.from`), as Python does, not by UTF-16 unit.

type Gram = string;

function ngramCounts(units: readonly string[], n: number): Map<Gram, number> {
  const counts = new Map<Gram, number>();
  // \u0001 cannot occur in tokens (13a and ROUGE split on it), so joined n-grams stay distinct.
  for (let i = 0; i + n <= units.length; i++) {
    const gram = units.slice(i, i + n).join("\u0001");
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

function total(counts: Map<Gram, number>): number {
  let sum = 0;
  for (const c of counts.values()) sum += c;
  return sum;
}

/** Size of the multiset intersection (clipped matches). */
function overlap(a: Map<Gram, number>, b: Map<Gram, number>): number {
  let sum = 0;
  for (const [gram, c] of a) sum += Math.min(c, b.get(gram) ?? 0);
  return sum;
}

/** Corpus chrF (0–100) of hypotheses against one reference each. */
export function chrF(hyps: readonly string[], refs: readonly string[], charOrder = 6, beta = 2): number {
  const stats = Array.from({ length: charOrder }, () => ({ hyp: 0, ref: 0, match: 0 }));
  hyps.forEach((hyp, i) => {
    const h = Array.from(hyp.replace(/\s+/gu, ""));
    const r = Array.from(refs[i]!.replace(/\s+/gu, ""));
    for (let n = 1; n <= charOrder; n++) {
      const hc = ngramCounts(h, n);
      const rc = ngramCounts(r, n);
      const s = stats[n - 1]!;
      s.hyp += total(hc);
      s.ref += total(rc);
      s.match += overlap(hc, rc);
    }
  });
  const eps = 1e-16;
  const factor = beta ** 2;
  let score = 0;
  let effective = 0;
  for (const { hyp, ref, match } of stats) {
    const precision = hyp > 0 ? match / hyp : eps;
    const recall = ref > 0 ? match / ref : eps;
    const denom = factor * precision + recall;
    score += denom > 0 ? ((1 + factor) * precision * recall) / denom : eps;
    if (hyp > 0 && ref > 0) effective++;
  }
  return effective ? (100 * score) / effective : 0;
}

/** sacreBLEU's "13a" tokenizer (mteval-v13a), returned as tokens. */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (s.includes("&")) {
    s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  }
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  s = s.replace(/([0-9])(-)/g, "$1 $2 ");
  return s.split(/\s+/u).filter(Boolean);
}

const CJK = /([\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f])/g;

/** sacreBLEU-style "zh" tokenization: each CJK character on its own, the rest as 13a. */
export function tokenizeZh(line: string): string[] {
  return tokenize13a(line.trim().replace(CJK, " $1 "));
}

/** Corpus BLEU (0–100) with exponential smoothing of zero n-gram matches. */
export function bleu(hyps: readonly string[], refs: readonly string[], options: { zh?: boolean } = {}): number {
  const tokenize = options.zh ? tokenizeZh : tokenize13a;
  const matches = [0, 0, 0, 0];
  const totals = [0, 0, 0, 0];
  let hypLength = 0;
  let refLength = 0;
  hyps.forEach((hyp, i) => {
    const h = tokenize(hyp);
    const r = tokenize(refs[i]!);
    hypLength += h.length;
    refLength += r.length;
    for (let n = 1; n <= 4; n++) {
      matches[n - 1]! += overlap(ngramCounts(h, n), ngramCounts(r, n));
      totals[n - 1]! += Math.max(0, h.length - n + 1);
    }
  });
  if (hypLength === 0) return 0;
  let smooth = 1;
  const precisions = matches.map((m, i) => {
    const t = totals[i]!;
    if (t === 0) return 0;
    if (m === 0) {
      smooth *= 2;
      return 100 / (smooth * t);
    }
    return (100 * m) / t;
  });
  if (Math.min(...precisions) <= 0) return 0;
  const brevity = hypLength > refLength ? 1 : Math.exp(1 - refLength / hypLength);
  return brevity * Math.exp(precisions.reduce((sum, p) => sum + Math.log(p), 0) / 4);
}

function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter(Boolean);
}

function f1(matches: number, hypCount: number, refCount: number): number {
  if (matches === 0 || hypCount === 0 || refCount === 0) return 0;
  const p = matches / hypCount;
  const r = matches / refCount;
  return (2 * p * r) / (p + r);
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const cur = [0];
    b.forEach((y, j) => cur.push(x === y ? prev[j]! + 1 : Math.max(prev[j + 1]!, cur[j]!)));
    prev = cur;
  }
  return prev[b.length]!;
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

/** ROUGE F1 scores (0–1) of one summary against one reference. */
export function rouge(hyp: string, ref: string): RougeScores {
  const h = rougeTokens(hyp);
  const r = rougeTokens(ref);
  const ngramF1 = (n: number) => {
    const hc = ngramCounts(h, n);
    const rc = ngramCounts(r, n);
    return f1(overlap(hc, rc), total(hc), total(rc));
  };
  return { rouge1: ngramF1(1), rouge2: ngramF1(2), rougeL: f1(lcsLength(h, r), h.length, r.length) };
}

export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  x.forEach((cx, i) => {
    const cur = [i + 1];
    y.forEach((cy, j) => cur.push(Math.min(prev[j + 1]! + 1, cur[j]! + 1, prev[j]! + (cx === cy ? 0 : 1))));
    prev = cur;
  });
  return prev[y.length]!;
}

/** 1 − Levenshtein / longer length (0–1), on trimmed strings; two empty strings are identical. */
export function editSimilarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (!x && !y) return 1;
  return 1 - levenshtein(x, y) / Math.max(Array.from(x).length, Array.from(y).length);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** A fraction as the reports print it (0.42 → 42). */
export const pct = (x: number) => 100 * x;
