// Counterfactual probe sets: the same sentence with one person phrase swapped between the values of
// an attribute (gender, nationality, religion). Written by the project (sets-en.ts, sets-zh.ts), no
// external data; the expansion is deterministic, so two runs probe the same texts in the same order.
import type { ProbeCase, ProbeSet } from "./probe-set";
import { ENGLISH_SETS } from "./sets-en";
import { CHINESE_SETS } from "./sets-zh";

export type { Polarity, ProbeCase, ProbeSet, ProbeTemplate } from "./probe-set";

export const PROBE_SETS: readonly ProbeSet[] = [...ENGLISH_SETS, ...CHINESE_SETS];

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A template with its slot filled. */
export function fillTemplate(template: string, person: string): string {
  return template.replaceAll("{Person}", capitalised(person)).replaceAll("{person}", person);
}

/** Every case of a set, templates outer, fill rows inner; at most `maxFills` rows a template. */
export function expandProbeSet(set: ProbeSet, maxFills = Infinity): ProbeCase[] {
  const fills = set.fills.slice(0, maxFills);
  return set.templates.flatMap((template, t) =>
    fills.map((row, f) => ({
      probeSet: set.id,
      template: t,
      fill: f,
      polarity: template.polarity,
      variants: set.groups.map((group) => {
        const person = row[group];
        if (person === undefined) throw new Error(`probe set ${set.id}: fill row ${f} has no "${group}"`);
        return { group, text: fillTemplate(template.text, person) };
      }),
    })),
  );
}

/** The sets in the languages a model declares (all of them when it declares none). */
export function probeSetsFor(declared: readonly string[] | undefined): ProbeSet[] {
  return PROBE_SETS.filter((s) => !declared?.length || declared.includes(s.language));
}
