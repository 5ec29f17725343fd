// How a summary's text is shaped as it streams (shaped-stream.ts): shown sentence by sentence,
// "short" ends after its first sentence, a repeated sentence ends any summary (small models loop),
// and "bullets" are bullet lines even when the model writes plain sentences.
import type { SummaryLength } from "./summarize";
import type { Shaped } from "./shaped-stream";

const BULLET = /^\s*([-*•]|\d+[.)])\s+/;

/** Sentences of `text` (each with its end punctuation); the last one may be unfinished. */
function sentencesOf(text: string): string[] {
  const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

const normalised = (s: string) =>
  s
    .replace(BULLET, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** The summary `raw` makes; `final`: the model has finished. */
export function shapeSummary(raw: string, length: SummaryLength, final: boolean): Shaped {
  const trimmed = raw.trimStart();
  if (!trimmed) return { text: "", done: final };
  // The model's own bullet lines are kept as lines; anything else is cut into sentences.
  const units = BULLET.test(trimmed) ? trimmed.split(/(?<=\n)/) : sentencesOf(trimmed);
  const complete = final ? units : units.filter((u, i) => i < units.length - 1 || /\n$/.test(u));
  // A sentence is complete once the segmenter has moved past it (the next one began).
  const shown: string[] = [];
  const seen = new Set<string>();
  let done = final;
  for (const unit of complete) {
    const key = normalised(unit);
    if (!key) continue;
    if (seen.has(key)) {
      done = true; // the model repeats itself
      break;
    }
    seen.add(key);
    shown.push(unit.trim());
    if (length === "short") {
      done = true;
      break;
    }
  }
  const text = length === "bullets" ? shown.map((s) => `- ${s.replace(BULLET, "")}`).join("\n") : shown.join(" ");
  return { text, done };
}
