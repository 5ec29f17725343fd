// Summarise: prompt building and map-reduce chunking for texts longer than the model's context,
// and the plan the one-shot stream runs.
import type { ModelMessage } from "ai";
import { z } from "zod";
import { assertPromptFits, countMessageTokens, largestFitting, promptBudget, type PromptModel } from "./budget";
import { INPUT_LIMITS } from "./limits";
import type { OneShotApp } from "./one-shot-app";
import { fillTemplate, type AppPrompts } from "./prompts";
import { shapingTransform } from "./shaped-stream";
import { shapeSummary } from "./summary-shape";

export const SUMMARY_LENGTHS = ["short", "medium", "bullets"] as const;
export type SummaryLength = (typeof SUMMARY_LENGTHS)[number];

export const summarizeInput = z.object({
  text: z
    .string()
    .trim()
    .min(1, "Paste a text to summarise.")
    .max(
      INPUT_LIMITS.summarizeText,
      `Texts are limited to ${INPUT_LIMITS.summarizeText.toLocaleString("en")} characters.`,
    ),
  length: z.enum(SUMMARY_LENGTHS).default("medium"),
  modelId: z.string().max(128).optional(),
});
export type SummarizeInput = z.infer<typeof summarizeInput>;

// Room for what each length asks for (one sentence; 1–3 sentences; a few bullet lines): the less
// room an answer takes, the more text one prompt carries (a ~230-word article fits loom-chat whole).
export const summarizeDecoding = {
  short: { temperature: 0, maxOutputTokens: 48 },
  medium: { temperature: 0, maxOutputTokens: 100 },
  bullets: { temperature: 0, maxOutputTokens: 120 },
} as const;

/** The map step: each piece's summary is bounded, so the joined summaries are shorter than the text. */
export const summaryMapDecoding = { temperature: 0, maxOutputTokens: 80 } as const;

export function summarizeMessages(text: string, length: SummarizeInput["length"], prompts: AppPrompts): ModelMessage[] {
  const p = prompts.summarize;
  const lengthText = p.lengths?.[length] ?? length;
  const messages: ModelMessage[] = [];
  // Either message may carry {length}: Loom's own models were trained with it in the system one.
  if (p.system) messages.push({ role: "system", content: fillTemplate(p.system, { length: lengthText }) });
  messages.push({ role: "user", content: fillTemplate(p.user, { text, length: lengthText }) });
  return messages;
}

/**
 * Splits a text into pieces of at most `maxTokens` each (as `countTokens` measures), cutting at
 * paragraph, then sentence, then word boundaries, so each piece reads on its own.
 */
export function chunkText(text: string, maxTokens: number, countTokens: (s: string) => number): string[] {
  if (countTokens(text) <= maxTokens) return [text];
  const units = splitUnits(text);
  const chunks: string[] = [];
  let current = "";
  for (const unit of units) {
    const candidate = current ? `${current}${unit}` : unit;
    if (countTokens(candidate) <= maxTokens) {
      current = candidate;
      continue;
    }
    if (current) chunks.push(current.trim());
    if (countTokens(unit) <= maxTokens) current = unit;
    else {
      // A single sentence longer than a chunk: cut it by words.
      const pieces = chunkByWords(unit, maxTokens, countTokens);
      chunks.push(...pieces.slice(0, -1));
      current = pieces.at(-1) ?? "";
    }
  }
  if (current.trim()) chunks.push(current.trim());
  return chunks.filter(Boolean);
}

function splitUnits(text: string): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });
  return text.split(/(?<=\n\s*\n)/).flatMap((paragraph) => Array.from(segmenter.segment(paragraph), (s) => s.segment));
}

function chunkByWords(sentence: string, maxTokens: number, countTokens: (s: string) => number): string[] {
  const words = sentence.split(/(?<=\s)/);
  const pieces: string[] = [];
  let current = "";
  for (const word of words) {
    if (current && countTokens(current + word) > maxTokens) {
      pieces.push(current.trim());
      current = "";
    }
    current += word;
  }
  if (current.trim()) pieces.push(current.trim());
  return pieces;
}

/**
 * How many tokens of text one summarising prompt may carry: the model's context less the prompt's
 * own wording and room for the summary.
 */
export function summaryInputBudget(options: {
  maxPositions: number;
  maxOutputTokens: number;
  length: SummarizeInput["length"];
  prompts: AppPrompts;
  countTokens: (s: string) => number;
}): number {
  const wording = options.countTokens(
    summarizeMessages("", options.length, options.prompts)
      .map((m) => String(m.content))
      .join("\n"),
  );
  return Math.max(64, options.maxPositions - options.maxOutputTokens - wording - 16);
}

/**
 * The map-reduce plan: summarise each chunk, then summarise the joined summaries, repeating until
 * one piece fits. Each round is reported so the page can show progress.
 */
export async function summarizeHierarchically(options: {
  text: string;
  maxInputTokens: number;
  countTokens: (s: string) => number;
  summarizePiece: (piece: string, isFinal: boolean) => Promise<string>;
  onProgress?: (progress: { round: number; done: number; total: number }) => void;
  maxRounds?: number;
}): Promise<{ finalInput: string; rounds: number }> {
  let text = options.text;
  let round = 0;
  let tokens = options.countTokens(text);
  while (tokens > options.maxInputTokens && round < (options.maxRounds ?? 4)) {
    round++;
    const chunks = chunkText(text, options.maxInputTokens, options.countTokens);
    const summaries: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      options.onProgress?.({ round, done: i, total: chunks.length });
      summaries.push((await options.summarizePiece(chunk, false)).trim());
    }
    options.onProgress?.({ round, done: chunks.length, total: chunks.length });
    const shorter = summaries.join("\n\n");
    const shorterTokens = options.countTokens(shorter);
    // A round that does not shrink the text would not converge: what fits of it is kept instead.
    if (shorterTokens >= tokens) break;
    text = shorter;
    tokens = shorterTokens;
  }
  // The guaranteed end: what is still too long is cut at a sentence boundary.
  if (tokens > options.maxInputTokens) text = leadingSentences(text, options.maxInputTokens, options.countTokens);
  // The final pass is streamed by the caller over what remains.
  return { finalInput: text, rounds: round };
}

/** The leading sentences of `text` that fit `maxTokens` (by words when the first alone does not). */
export function leadingSentences(text: string, maxTokens: number, countTokens: (s: string) => number): string {
  const units = splitUnits(text);
  const n = largestFitting(1, units.length, (k) => countTokens(units.slice(0, k).join("").trim()) <= maxTokens);
  if (n >= 1) return units.slice(0, n).join("").trim();
  return chunkByWords(units[0] ?? "", maxTokens, countTokens)[0] ?? "";
}

/**
 * Tokens of text one summarising prompt of `length` may carry: the budget less the prompt's frame,
 * for the final prompt and for the map step's ("medium" wording, smaller room), the tighter one.
 */
export function summaryTextBudget(model: PromptModel, length: SummaryLength, prompts: AppPrompts): number {
  const frame = (l: SummaryLength) => countMessageTokens(model, summarizeMessages("", l, prompts));
  return Math.min(
    promptBudget(model, summarizeDecoding[length]) - frame(length),
    promptBudget(model, summaryMapDecoding) - frame("medium"),
  );
}

/**
 * The one-shot stream's plan: a text longer than one prompt is summarised piece by piece first
 * (each round shrinks it; the last is cut to fit), and the answer is shaped as it streams.
 */
export function summarizeApp(input: SummarizeInput): OneShotApp {
  const decoding = summarizeDecoding[input.length];
  const app: OneShotApp = {
    decoding,
    prepare: async ({ model, prompts, complete, progress }) => {
      // A piece's tokens as a prompt carries them (the framed message less its frame), in the
      // final prompt's wording and in the map step's: the larger counts.
      const framed = (s: string, length: SummaryLength) =>
        countMessageTokens(model, summarizeMessages(s, length, prompts)) -
        countMessageTokens(model, summarizeMessages("", length, prompts));
      const countTokens = (s: string) =>
        input.length === "medium" ? framed(s, "medium") : Math.max(framed(s, input.length), framed(s, "medium"));
      const maxInputTokens = summaryTextBudget(model, input.length, prompts);
      if (maxInputTokens < 16) throw new Error(`${model.maxPositions} positions leave no room to summarise`);
      // Each piece's summary is bounded by the map decoding, and by a third of a piece for small models.
      const mapDecoding = {
        ...summaryMapDecoding,
        maxOutputTokens: Math.min(summaryMapDecoding.maxOutputTokens, Math.floor(maxInputTokens / 3)),
      };
      const { finalInput, rounds } = await summarizeHierarchically({
        text: input.text,
        maxInputTokens,
        countTokens,
        summarizePiece: (piece) => {
          const messages = summarizeMessages(piece, "medium", prompts);
          assertPromptFits(model, messages, mapDecoding);
          return complete(messages, mapDecoding);
        },
        onProgress: (p) => progress({ stage: "map", ...p }),
      });
      if (rounds > 0) progress({ stage: "reduce", rounds });
      const messages = summarizeMessages(finalInput, input.length, prompts);
      assertPromptFits(model, messages, decoding);
      app.transform = shapingTransform(
        (raw, final) => shapeSummary(raw, input.length, final),
        countMessageTokens(model, messages),
      );
      return messages;
    },
  };
  return app;
}
