// The validation split that training/data.py writes (`chat.val.jsonl`, `sentiment.val.jsonl`):
// the held-out examples both evaluations score, so TypeScript and PyTorch see the same rows.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { APPS } from "../apps";

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

export const chatRow = z.object({
  /** Every app but sentiment, whose rows have their own file. */
  task: z.enum(APPS).exclude(["sentiment"]),
  source: z.string(),
  messages: z.array(message).min(2),
  /** translate: [source, target] language codes. */
  pair: z.tuple([z.string(), z.string()]).optional(),
  /** summarize (BBC): the article's first three sentences, the baseline. */
  lead3: z.string().optional(),
  /** code: the line after the cursor, and the one before it (the baseline). */
  next_line: z.string().optional(),
  prev_line: z.string().optional(),
});
export type ChatRow = z.infer<typeof chatRow>;

/** The reference: the row's final (assistant) message. */
export const lastReply = (row: ChatRow) => row.messages.at(-1)!.content;
/** The input: the row's user message. */
export const userText = (row: ChatRow) => row.messages.find((m) => m.role === "user")!.content;

export const sentimentRow = z.object({ text: z.string(), label: z.number().int().min(0), source: z.string() });
export type SentimentRow = z.infer<typeof sentimentRow>;

export interface ValidationSplit {
  dir: string;
  chat: ChatRow[];
  sentiment: SentimentRow[];
}

export class ValidationSplitError extends Error {
  override name = "ValidationSplitError";
}

function readJsonl<T>(file: string, schema: z.ZodType<T>): T[] {
  if (!existsSync(file)) return [];
  const rows: T[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (!line.trim()) return;
      const parsed = schema.safeParse(JSON.parse(line));
      if (!parsed.success)
        throw new ValidationSplitError(`${file}:${i + 1}: ${parsed.error.issues[0]?.message ?? "invalid row"}`);
      rows.push(parsed.data);
    });
  return rows;
}

export function readValidationSplit(dir: string): ValidationSplit {
  const chat = readJsonl(path.join(dir, "chat.val.jsonl"), chatRow);
  const sentiment = readJsonl(path.join(dir, "sentiment.val.jsonl"), sentimentRow);
  if (chat.length === 0 && sentiment.length === 0) {
    throw new ValidationSplitError(
      `no validation split in ${dir} (chat.val.jsonl, sentiment.val.jsonl): ` +
        "write it with `make -C training data DATA=<datasets folder>`",
    );
  }
  return { dir, chat, sentiment };
}
