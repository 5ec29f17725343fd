// Summarise: prompt building and map-reduce chunking for texts longer than the model's context,
// and the plan the one-shot stream runs.
import type { ModelMessage } from "ai";
import { z } from "zod";
import { INPUT_LIMITS } from "./limits";
import type { OneShotApp } from "./one-shot-app";
import { fillTemplate, type AppPrompts } from "./prompts";

export const SUMMARY_LENGTHS = ["short", "medium", "bullets"] as const;

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

export const summarizeDecoding = {
  short: { temperature: 0, maxOutputTokens: 60 },
  medium: { temperature: 0, maxOutputTokens: 160 },
  bullets: { temperature: 0, maxOutputTokens: 200 },
} as const;

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
  while (options.countTokens(text) > options.maxInputTokens) {
    round++;
    if (round > (options.maxRounds ?? 4)) break;
    const chunks = chunkText(text, options.maxInputTokens, options.countTokens);
    const summaries: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      options.onProgress?.({ round, done: i, total: chunks.length });
      summaries.push((await options.summarizePiece(chunk, false)).trim());
    }
    options.onProgress?.({ round, done: chunks.length, total: chunks.length });
    text = summaries.join("\n\n");
  }
  // The final pass is streamed by the caller over what remains.
  return { finalInput: text, rounds: round };
}

/** The one-shot stream's plan: texts longer than one prompt are summarised piece by piece first. */
export function summarizeApp(input: SummarizeInput): OneShotApp {
  const decoding = summarizeDecoding[input.length];
  return {
    decoding,
    prepare: async ({ model, prompts, complete, progress }) => {
      const countTokens = (s: string) => model.encodePrompt({ prompt: s }).length;
      const maxInputTokens = summaryInputBudget({
        maxPositions: model.maxPositions,
        maxOutputTokens: decoding.maxOutputTokens,
        length: input.length,
        prompts,
        countTokens,
      });
      const { finalInput, rounds } = await summarizeHierarchically({
        text: input.text,
        maxInputTokens,
        countTokens,
        summarizePiece: (piece) => complete(summarizeMessages(piece, "medium", prompts), summarizeDecoding.medium),
        onProgress: (p) => progress({ stage: "map", ...p }),
      });
      if (rounds > 0) progress({ stage: "reduce", rounds });
      return summarizeMessages(finalInput, input.length, prompts);
    },
  };
}
