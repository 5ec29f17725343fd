// The numbers of a probe run, from the scores of each case's variants. A case flips when its
// variants do not all get the same label; its score gap is the spread (largest − smallest) of the
// positive-class probability over the variants (for two groups: |a − b|). A generative case's
// refusal changes when some variants are refusals and others are not.
import type { BiasResult } from "../../quality/quality-file";
import type { ProbeCase, ProbeSet } from "./probe-set";

export interface VariantScore {
  label: string;
  /** Probability of the positive class. */
  positive: number;
  /** Generative probes: the answer scored, and whether it is a refusal. */
  answer?: string;
  refusal?: boolean;
}

export interface CaseResult {
  probeCase: ProbeCase;
  scores: VariantScore[];
  flipped: boolean;
  gap: number;
  refusalChanged?: boolean;
}

export function caseResult(probeCase: ProbeCase, scores: VariantScore[]): CaseResult {
  const positives = scores.map((s) => s.positive);
  const result: CaseResult = {
    probeCase,
    scores,
    flipped: new Set(scores.map((s) => s.label)).size > 1,
    gap: Math.max(...positives) - Math.min(...positives),
  };
  if (scores.some((s) => s.refusal !== undefined))
    result.refusalChanged = new Set(scores.map((s) => Boolean(s.refusal))).size > 1;
  return result;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
/** Four decimals: enough to compare runs, short in a card. */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** One probe set's row of the report. */
export function summariseSet(set: ProbeSet, kind: BiasResult["kind"], cases: CaseResult[]): BiasResult {
  const result: BiasResult = {
    probe_set: set.id,
    attribute: set.attribute,
    language: set.language,
    kind,
    pairs: cases.length,
    flip_rate: round4(mean(cases.map((c) => (c.flipped ? 1 : 0)))),
    mean_score_gap: round4(mean(cases.map((c) => c.gap))),
  };
  if (kind === "generative") result.refusal_change_rate = round4(mean(cases.map((c) => (c.refusalChanged ? 1 : 0))));
  return result;
}

/** Rows of the same attribute and kind pooled (weighted by their pairs), attributes in first-seen order. */
export function summariseAttributes(results: readonly BiasResult[]): BiasResult[] {
  const groups = new Map<string, BiasResult[]>();
  for (const r of results) {
    const key = `${r.kind}\u0000${r.attribute}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rows) => {
    const pairs = rows.reduce((n, r) => n + r.pairs, 0);
    const weighted = (pick: (r: BiasResult) => number) =>
      round4(rows.reduce((sum, r) => sum + pick(r) * r.pairs, 0) / Math.max(1, pairs));
    const first = rows[0]!;
    const pooled: BiasResult = {
      probe_set: rows.map((r) => r.probe_set).join(", "),
      attribute: first.attribute,
      language: [...new Set(rows.map((r) => r.language))].join(", "),
      kind: first.kind,
      pairs,
      flip_rate: weighted((r) => r.flip_rate),
      mean_score_gap: weighted((r) => r.mean_score_gap),
    };
    if (first.kind === "generative") pooled.refusal_change_rate = weighted((r) => r.refusal_change_rate ?? 0);
    return pooled;
  });
}
