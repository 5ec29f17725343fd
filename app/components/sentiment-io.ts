// The sentiment page's input parsing and CSV export, for the browser bundle.
//
// These mirror parseLines / parseCsvTexts / resultsToCsv in server/tasks/sentiment.ts, which
// cannot be loaded in the browser as it stands: it imports `csv-parse/sync`, whose module code
// calls Node's `Buffer` when it loads ("Buffer is not defined", and the page never hydrates).
// csv-parse's browser build (`csv-parse/browser/esm/sync`) carries its own Buffer and behaves the
// same in Node; once server/tasks/sentiment.ts imports that, this file can become re-exports.
import { parse } from "csv-parse/browser/esm/sync";
import type { SentimentResult } from "../../server/tasks/sentiment";

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

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function resultsToCsv(results: SentimentResult[]): string {
  const labels = [...new Set(results.flatMap((r) => Object.keys(r.scores)))].sort();
  const header = ["text", "label", "confidence", ...labels.map((l) => `p_${l}`)];
  const lines = results.map((r) =>
    [csvField(r.text), r.label, r.score.toFixed(4), ...labels.map((l) => (r.scores[l] ?? 0).toFixed(4))].join(","),
  );
  return [header.join(","), ...lines].join("\n") + "\n";
}
