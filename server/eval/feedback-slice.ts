// How well a model predicts the answers users rated: the held-back rows of a feedback export
// (training/finetune.py writes them), scored by the engine's token log-probabilities. The mean
// per-token log-likelihood of the liked answers should rise after fine-tuning and that of the
// disliked ones should not rise with it: the gap between the two is the signal. Preference rows
// (chosen/rejected) add the share of pairs where the chosen answer is the likelier one.
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { PublicError } from "../http-error";
import type { LoadedCausalLM } from "../inference/index";

/** Bounds on what is read: an export is one file a person passes on the command line. */
export const FEEDBACK_LIMITS = { maxFileBytes: 256 * 1024 * 1024, maxLineBytes: 1024 * 1024, maxRows: 100_000 };

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
const common = { messages: z.array(message).min(1), chat_id: z.string().min(1), model: z.string().optional() };
const ratedRow = z.object({ ...common, rating: z.union([z.literal(1), z.literal(-1)]) });
const preferenceRow = z.object({ ...common, chosen: z.string(), rejected: z.string() });

type Message = z.infer<typeof message>;
export interface RatedAnswer {
  context: Message[];
  answer: string;
  rating: 1 | -1;
}
export interface PreferencePair {
  context: Message[];
  chosen: string;
  rejected: string;
}
export interface FeedbackSlice {
  rated: RatedAnswer[];
  pairs: PreferencePair[];
}

export class FeedbackExportError extends PublicError<"BAD_FEEDBACK_EXPORT"> {
  constructor(message: string) {
    super("BAD_FEEDBACK_EXPORT", 400, message);
  }
}

/** Both export formats, one JSON object a line; the first bad line is named in the error. */
export function parseFeedbackExport(text: string, where = "export"): FeedbackSlice {
  const slice: FeedbackSlice = { rated: [], pairs: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const at = `${where}:${i + 1}`;
    if (Buffer.byteLength(line) > FEEDBACK_LIMITS.maxLineBytes)
      throw new FeedbackExportError(`${at}: line longer than ${FEEDBACK_LIMITS.maxLineBytes} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new FeedbackExportError(`${at}: not JSON`);
    }
    const isPair = typeof json === "object" && json !== null && ("chosen" in json || "rejected" in json);
    if (isPair) {
      const row = preferenceRow.safeParse(json);
      if (!row.success || row.data.messages.at(-1)!.role !== "user")
        throw new FeedbackExportError(
          `${at}: a preference row needs messages ending with the user turn, chosen, rejected`,
        );
      slice.pairs.push({ context: row.data.messages, chosen: row.data.chosen, rejected: row.data.rejected });
    } else {
      const row = ratedRow.safeParse(json);
      if (!row.success || row.data.messages.at(-1)!.role !== "assistant")
        throw new FeedbackExportError(
          `${at}: a rated row needs messages ending with the assistant answer and rating 1 or -1`,
        );
      const { messages } = row.data;
      slice.rated.push({ context: messages.slice(0, -1), answer: messages.at(-1)!.content, rating: row.data.rating });
    }
    if (slice.rated.length + slice.pairs.length > FEEDBACK_LIMITS.maxRows)
      throw new FeedbackExportError(`${where}: more than ${FEEDBACK_LIMITS.maxRows} rows`);
  }
  return slice;
}

export function readFeedbackExport(file: string): FeedbackSlice {
  const bytes = statSync(file).size;
  if (bytes > FEEDBACK_LIMITS.maxFileBytes)
    throw new FeedbackExportError(`${file} is larger than ${FEEDBACK_LIMITS.maxFileBytes} bytes`);
  return parseFeedbackExport(readFileSync(file, "utf8"), file);
}

export interface AnswerScore {
  answers: number;
  tokens: number;
  /** Mean over all answer tokens (and each answer's end-of-turn) of log p(token | context). */
  mean_log_likelihood: number;
  perplexity: number;
}
export interface FeedbackEval {
  liked: AnswerScore;
  disliked?: AnswerScore;
  /** liked minus disliked mean log-likelihood: higher means the model prefers what users liked. */
  gap?: number;
  /** Preference rows: how many fit the context, and the share where chosen has the higher mean log-likelihood. */
  pairs?: { n: number; chosen_preferred: number };
  /** Rows left out because context and answer do not fit the model's context. */
  skipped: number;
}

interface Scored {
  sum: number;
  tokens: number;
}

/** Log-probabilities of `answer` after `context` as the chat app renders it; undefined when it does not fit. */
async function scoreAnswer(model: LoadedCausalLM, context: Message[], answer: string): Promise<Scored | undefined> {
  const prompt = model.encodePrompt({ messages: context });
  const reply = model.encodePrompt({ prompt: answer, addSpecialTokens: false });
  const endOfTurn = model.folder.generation.eosTokenIds[0];
  if (endOfTurn !== undefined) reply.push(endOfTurn);
  if (prompt.length + reply.length > model.maxPositions) return undefined;
  const logProbs = await model.tokenLogProbs(prompt, reply);
  return { sum: logProbs.reduce((a, b) => a + b, 0), tokens: logProbs.length };
}

function summarise(scores: Scored[]): AnswerScore {
  const tokens = scores.reduce((n, s) => n + s.tokens, 0);
  const sum = scores.reduce((n, s) => n + s.sum, 0);
  const mean = tokens ? sum / tokens : NaN;
  return { answers: scores.length, tokens, mean_log_likelihood: mean, perplexity: Math.exp(-mean) };
}

export async function evaluateFeedback(model: LoadedCausalLM, slice: FeedbackSlice): Promise<FeedbackEval> {
  const liked: Scored[] = [];
  const disliked: Scored[] = [];
  let skipped = 0;
  for (const row of slice.rated) {
    const score = await scoreAnswer(model, row.context, row.answer);
    if (!score) skipped++;
    else (row.rating === 1 ? liked : disliked).push(score);
  }
  let preferred = 0;
  let pairs = 0;
  for (const pair of slice.pairs) {
    const chosen = await scoreAnswer(model, pair.context, pair.chosen);
    const rejected = await scoreAnswer(model, pair.context, pair.rejected);
    if (!chosen || !rejected) {
      skipped++;
      continue;
    }
    pairs++;
    if (chosen.sum / chosen.tokens > rejected.sum / rejected.tokens) preferred++;
  }
  const result: FeedbackEval = { liked: summarise(liked), skipped };
  if (disliked.length) {
    result.disliked = summarise(disliked);
    result.gap = result.liked.mean_log_likelihood - result.disliked.mean_log_likelihood;
  }
  if (pairs) result.pairs = { n: pairs, chosen_preferred: preferred / pairs };
  return result;
}

/** The numbers a model card's before/after table compares, flat. */
export function feedbackMetrics(result: FeedbackEval): Record<string, number> {
  const metrics: Record<string, number> = {
    "liked answers: mean log-likelihood per token": result.liked.mean_log_likelihood,
    "liked answers: perplexity": result.liked.perplexity,
  };
  if (result.disliked) {
    metrics["disliked answers: mean log-likelihood per token"] = result.disliked.mean_log_likelihood;
    metrics["disliked answers: perplexity"] = result.disliked.perplexity;
    metrics["liked − disliked log-likelihood gap"] = result.gap!;
  }
  if (result.pairs) metrics["preference pairs: chosen likelier"] = result.pairs.chosen_preferred;
  return metrics;
}

export function feedbackReport(modelId: string, file: string, result: FeedbackEval): string {
  const rows = Object.entries(feedbackMetrics(result)).map(([k, v]) => `| ${k} | ${v.toFixed(4)} |`);
  const counts = `${result.liked.answers} liked, ${result.disliked?.answers ?? 0} disliked, ${result.pairs?.n ?? 0} pairs`;
  return [
    `### ${modelId}: feedback slice ${file} (${counts}; ${result.skipped} too long)`,
    "",
    "| metric | value |",
    "| --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
