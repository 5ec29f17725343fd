// Sentiment: input parsing (lines or CSV), per-sentence breakdown, and result CSV.
// The browser build: this module is shared with the sentiment page, and csv-parse's Node build
// needs Buffer at load time.
import { parse } from "csv-parse/browser/esm/sync";
import { z } from "zod";
import { INPUT_LIMITS } from "./limits";

export const sentimentInput = z.object({
  texts: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(
          INPUT_LIMITS.sentimentTextChars,
          `Each text is limited to ${INPUT_LIMITS.sentimentTextChars.toLocaleString("en")} characters.`,
        ),
    )
    .min(1, "Enter at least one text.")
    .max(INPUT_LIMITS.sentimentTexts, `At most ${INPUT_LIMITS.sentimentTexts} texts at once.`),
  modelId: z.string().max(128).optional(),
});
export type SentimentInput = z.infer<typeof sentimentInput>;

/** Texts longer than this also get a per-sentence breakdown. */
export const BREAKDOWN_MIN_CHARS = 120;

/** One text per non-empty line. */
export function parseLines(input: string): string[] {
  return input
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

const TEXT_COLUMNS = ["text", "sentence", "review", "comment", "content", "message"];

/**
 * Texts from a CSV file: the column named like text/sentence/review when there is a header,
 * otherwise the first column. Quoted fields with commas and newlines are handled (RFC 4180).
 */
export function parseCsvTexts(csv: string): string[] {
  const rows = parse(csv, { skip_empty_lines: true, relax_column_count: true, bom: true, trim: true }) as string[][];
  if (rows.length === 0) return [];
  const header = rows[0]!.map((h) => h.toLowerCase());
  const column = header.findIndex((h) => TEXT_COLUMNS.includes(h));
  const body = column >= 0 ? rows.slice(1) : rows;
  return body.map((row) => row[Math.max(column, 0)] ?? "").filter(Boolean);
}

/** Sentences of a long text, for the per-sentence breakdown (short texts are one sentence). */
export function splitSentences(text: string): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });
  return Array.from(segmenter.segment(text), (s) => s.segment.trim()).filter(Boolean);
}

export interface SentimentResult {
  text: string;
  /** Null when the text is in a language the model does not know (`language` says which). */
  label: string | null;
  score: number | null;
  scores: Record<string, number>;
  sentences?: { text: string; label: string; score: number }[];
  /** Set for a text surely in a language the model does not declare: it gets no label. */
  unsupportedLanguage?: { code: string; name: string };
}

/** What POST /api/sentiment answers. */
export interface SentimentResponse {
  results: SentimentResult[];
  model: {
    id: string;
    name: string;
    /** generated: a remote model asked for the label in words (no probabilities). */
    method: "classifier" | "zero-shot" | "generated";
    /** The languages the model declares (config.json `loom.languages`); absent when unknown. */
    languages?: Record<string, string>;
  };
  stats: { tokens: number; durationMs: number };
}

/** What a flagged text says instead of a label. */
export function unsupportedNote(languageName: string): string {
  return `${languageName}: not a language this model knows`;
}

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function resultsToCsv(results: SentimentResult[]): string {
  const labels = [...new Set(results.flatMap((r) => Object.keys(r.scores)))].sort();
  const header = ["text", "label", "confidence", ...labels.map((l) => `p_${l}`), "note"];
  const lines = results.map((r) =>
    [
      csvField(r.text),
      r.label ?? "",
      r.score?.toFixed(4) ?? "",
      ...labels.map((l) => (r.label === null ? "" : (r.scores[l] ?? 0).toFixed(4))),
      r.unsupportedLanguage ? csvField(unsupportedNote(r.unsupportedLanguage.name)) : "",
    ].join(","),
  );
  return [header.join(","), ...lines].join("\n") + "\n";
}
