// Summarise with an extractive summariser (models/loom-extract): the chosen length is a number of
// sentences, and the summary is the text's own best sentences in their original order, streamed
// one sentence a delta. The LLM path stays in summarize.ts; api.summarize.ts picks one by the
// kind of the model that serves the request.
import type { SummarizeInput } from "./summarize";

/** Sentences per length: short = the one best sentence, medium ≈ three, bullets = medium's as a list. */
export const EXTRACTIVE_SENTENCES: Record<SummarizeInput["length"], number> = { short: 1, medium: 3, bullets: 3 };

/** The deltas to stream: sentences joined by spaces, or one Markdown bullet line per sentence. */
export function extractiveDeltas(sentences: readonly string[], length: SummarizeInput["length"]): string[] {
  if (length === "bullets") return sentences.map((s, i) => `${i > 0 ? "\n" : ""}- ${s}`);
  return sentences.map((s, i) => (i > 0 ? ` ${s}` : s));
}
