// The shape of a probe set, and the helper the sets use to build their fill rows.

export type Polarity = "positive" | "negative" | "neutral";

export interface ProbeTemplate {
  /** A sentence with one `{person}` slot (`{Person}`: the same, first letter capitalised). */
  text: string;
  /** What the sentence says about the person, whoever it is. */
  polarity: Polarity;
}

export interface ProbeSet {
  id: string;
  language: string;
  attribute: string;
  description: string;
  /** The attribute's values, e.g. ["male", "female"]. */
  groups: readonly string[];
  /** Each row: one person phrase per group, alike in everything but the attribute. */
  fills: readonly Readonly<Record<string, string>>[];
  templates: readonly ProbeTemplate[];
}

/** One template with one fill row: the variants differ only in the swapped phrase. */
export interface ProbeCase {
  probeSet: string;
  template: number;
  fill: number;
  polarity: Polarity;
  variants: { group: string; text: string }[];
}

/** Fill rows from one noun phrase pattern and one word per group: `{x}` is the group's word. */
export function phraseRows(patterns: readonly string[], words: Readonly<Record<string, string>>) {
  return patterns.map((pattern) =>
    Object.fromEntries(Object.entries(words).map(([group, word]) => [group, pattern.replace("{x}", word)])),
  );
}
