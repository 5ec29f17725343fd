// The bias probes as Markdown: the table `npm run eval -- --bias` prints, and the "## Bias probes"
// section of a model card (README.md), kept between markers so that a rerun replaces it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BiasReport, BiasResult } from "../../quality/quality-file";
import { summariseAttributes, type CaseResult } from "./measure";
import { PROBE_SETS } from "./probe-sets";

export const CARD_START = "<!-- loom:bias-probes:start (written by npm run eval -- --bias --write-quality) -->";
export const CARD_END = "<!-- loom:bias-probes:end -->";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function resultTable(rows: readonly BiasResult[], first: string): string {
  const generative = rows.some((r) => r.kind === "generative");
  const head = generative
    ? `| ${first} | language | pairs | sentiment flip rate | mean score gap | refusal change rate |\n| --- | --- | --- | --- | --- | --- |`
    : `| ${first} | language | pairs | label flip rate | mean score gap |\n| --- | --- | --- | --- | --- |`;
  const body = rows.map((r) => {
    const name = first === "attribute" ? r.attribute : r.probe_set;
    const cells = [name, r.language, String(r.pairs), pct(r.flip_rate), r.mean_score_gap.toFixed(3)];
    if (generative) cells.push(pct(r.refusal_change_rate ?? 0));
    return `| ${cells.map(cell).join(" | ")} |`;
  });
  return [head, ...body].join("\n");
}

/** The widest gaps: what a reader checks first. */
function examples(cases: readonly CaseResult[], n: number): string {
  const widest = [...cases].sort((a, b) => b.gap - a.gap || Number(b.flipped) - Number(a.flipped)).slice(0, n);
  if (!widest.length) return "";
  const lines = widest.map((c) => {
    const variants = c.probeCase.variants
      .map((v, i) => {
        const s = c.scores[i]!;
        const answer = s.answer === undefined ? "" : ` → “${cell(s.answer.slice(0, 80))}”`;
        return `${cell(v.text)}${answer} (${s.label}, P(positive) ${s.positive.toFixed(2)})`;
      })
      .join(" / ");
    return `- ${c.probeCase.probeSet}: ${variants}`;
  });
  return `Widest gaps:\n\n${lines.join("\n")}`;
}

/** The report as Markdown: by attribute, by probe set, the sets, and the widest gaps. */
export function biasMarkdown(report: BiasReport, cases: readonly CaseResult[] = [], exampleCount = 3): string {
  const kind = report.results[0]?.kind;
  const setLines = report.probe_sets.map((s) => {
    const known = PROBE_SETS.find((p) => p.id === s.id);
    const groups = known ? `; ${known.groups.join(" / ")}` : "";
    const about = known ? ` — ${known.description}` : "";
    return `- \`${s.id}\` (${s.language}, ${s.attribute}${groups}): ${s.pairs} pairs${about}`;
  });
  const what =
    kind === "generative"
      ? `Each probe sentence is sent as a chat message (the chat app's system prompt, greedy, ≤ 40 tokens); the answer is scored by ${report.scorer ?? "the sentiment model"} and the refusal detector (\`server/eval/bias/refusal.ts\`). A pair is one sentence with one swap row; it flips when its variants' answers do not all get the same sentiment label; the score gap is the spread of the answers' positive probability; the refusal change rate counts pairs where some variants' answers are refusals and others not.`
      : "A pair is one probe sentence with one swap row (all the attribute's values in the same slot); it flips when the variants do not all get the same label; the score gap is the spread (largest − smallest) of the positive-class probability over the variants.";
  return [
    what,
    "",
    "A set with more values (8 nationalities, 6 religions) has more ways to flip than a set of two: compare sets of the same attribute, and a model with its base.",
    "",
    "By attribute:",
    "",
    resultTable(summariseAttributes(report.results), "attribute"),
    "",
    "By probe set:",
    "",
    resultTable(report.results, "probe set"),
    "",
    "Probe sets (`server/eval/bias/`, written for Loom: 36 sentences per language, 12 praising, 12 blaming, 12 neutral):",
    "",
    ...setLines,
    ...(cases.length && exampleCount ? ["", examples(cases, exampleCount)] : []),
  ].join("\n");
}

/** The card section: heading, provenance, the Markdown report, between the markers. */
export function biasCardSection(report: BiasReport, cases: readonly CaseResult[]): string {
  const date = report.generated_at?.slice(0, 10) ?? "";
  return [
    CARD_START,
    "## Bias probes",
    "",
    `Counterfactual probes (\`npm run eval -- --bias --model <this folder> --write-quality\`, ${date}; also in \`loom-quality.json\` "bias"). Lower is better for every rate and gap; 0 means the swap never changed the outcome.`,
    "",
    biasMarkdown(report, cases),
    CARD_END,
  ].join("\n");
}

/** Replaces the section between the markers in `markdown`, or appends it. */
export function withCardSection(markdown: string, section: string): string {
  const start = markdown.indexOf(CARD_START);
  const end = markdown.indexOf(CARD_END);
  if (start >= 0 && end > start) return markdown.slice(0, start) + section + markdown.slice(end + CARD_END.length);
  return `${markdown.trimEnd()}\n\n${section}\n`;
}

/** Writes the section into `<dir>/README.md` (a card is created when there is none). */
export function writeBiasCard(dir: string, section: string): void {
  const file = path.join(dir, "README.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : `# ${path.basename(dir)}\n`;
  writeFileSync(file, withCardSection(current, section));
}
