// The prompt budget: how many tokens a prompt may have so that the answer's room still fits in
// the model's context. Every app fits its input to it (chat turns, the code window, summary
// pieces, a text to translate) with the model's own tokenizer and chat template, and checks the
// final prompt against it before the engine sees it (decision 016).
import type { ModelMessage } from "ai";
import { HttpError } from "../http-error";
import type { Decoding } from "./decoding";
import type { ModelDescription } from "./model-description";

/** What fitting needs of a model: its context and its token count (exact, or a remote's estimate). */
export type PromptModel = Pick<ModelDescription, "maxPositions" | "countTokens" | "answerRoom">;

/** Tokens of `messages` as the model reads them: chat template and generation prompt included. */
export function countMessageTokens(model: PromptModel, messages: readonly ModelMessage[]): number {
  return model.countTokens(messages);
}

/**
 * The most prompt tokens a request may have: the context less the answer's room. The engine
 * generates until the context is full, so prompt + maxOutputTokens ≤ maxPositions keeps every
 * answer whole.
 */
export function promptBudget(model: Pick<PromptModel, "maxPositions" | "answerRoom">, decoding: Decoding): number {
  // An encoder-decoder's answer is the decoder's: the encoder's positions are all the prompt's.
  if (model.answerRoom === "own") return model.maxPositions;
  return Math.max(0, model.maxPositions - outputRoom(model, decoding));
}

/**
 * The answer's room: the decoding's max tokens, but at most half the context, so a model with a
 * small context still reads a prompt (its answers may then end at the context's end).
 */
export function outputRoom(model: Pick<PromptModel, "maxPositions">, decoding: Decoding): number {
  return Math.min(decoding.maxOutputTokens ?? 256, Math.floor(model.maxPositions / 2));
}

/** Roughly how many characters `tokens` tokens are, from a sample of the text at hand. */
export function roughCharacters(tokens: number, sample: { chars: number; tokens: number }): number {
  const perToken = sample.tokens > 0 && sample.chars > 0 ? sample.chars / sample.tokens : 3;
  return Math.max(0, Math.floor((tokens * perToken) / 100) * 100);
}

/** Refuses an input that does not fit (413, before anything is streamed or stored). */
export class InputTooLongError extends HttpError<"INPUT_TOO_LONG"> {
  constructor(message: string) {
    super(413, "INPUT_TOO_LONG", message);
  }
}

/**
 * The refusal's words: how long the input is, the model's context, and the most it can take in
 * tokens and roughly in characters (from this text's own characters per token).
 */
export function tooLongMessage(
  what: string,
  size: { tokens: number; maxTokens: number; chars: number },
  model: { name: string; context: number; answerRoom?: "shared" | "own" },
) {
  const roughly = roughCharacters(size.maxTokens, size);
  const n = (x: number) => x.toLocaleString("en");
  if (model.answerRoom === "own")
    return (
      `${what} is ${n(size.tokens)} tokens; ${model.name} reads at most ${n(model.context)} tokens of input, ` +
      `so it can take at most ${n(size.maxTokens)} (about ${n(roughly)} characters of this text). Shorten it.`
    );
  return (
    `${what} is ${n(size.tokens)} tokens; ${model.name} reads ${n(model.context)} tokens in all, answer included, ` +
    `so it can take at most ${n(size.maxTokens)} (about ${n(roughly)} characters of this text). Shorten it.`
  );
}

/**
 * The messages `build(text)` makes, or a 413 when they do not fit the budget: for inputs that are
 * not cut to fit (a text to translate), refused before anything is streamed.
 */
export function assertInputFits(
  model: PromptModel & Pick<ModelDescription, "name">,
  build: (text: string) => ModelMessage[],
  text: string,
  decoding: Decoding,
  what: string,
): ModelMessage[] {
  const messages = build(text);
  const tokens = countMessageTokens(model, messages);
  const budget = promptBudget(model, decoding);
  if (tokens <= budget) return messages;
  const frame = countMessageTokens(model, build(""));
  const size = { tokens: tokens - frame, maxTokens: Math.max(0, budget - frame), chars: text.length };
  throw new InputTooLongError(
    tooLongMessage(what, size, { name: model.name, context: model.maxPositions, answerRoom: model.answerRoom }),
  );
}

/**
 * The final check before the engine: the prompt an app built must fit its budget. Fitting is
 * the app's job; this failing is a bug in that app, so it is not a user-facing refusal.
 */
export function assertPromptFits(model: PromptModel, messages: readonly ModelMessage[], decoding: Decoding): void {
  const tokens = countMessageTokens(model, messages);
  const budget = promptBudget(model, decoding);
  if (tokens > budget) {
    throw new Error(`prompt of ${tokens} tokens exceeds its budget of ${budget} (context ${model.maxPositions})`);
  }
}

/**
 * The largest n in [lo, hi] for which `fits(n)` holds, given that fits is monotone (true up to
 * some n, false after); lo - 1 when even lo does not fit. Galloping from lo, then a binary search:
 * the cost follows the answer's size (a window of a few hundred tokens), not hi (20,000 chars).
 */
export function largestFitting(lo: number, hi: number, fits: (n: number) => boolean): number {
  if (lo > hi || !fits(lo)) return lo - 1;
  let good = lo;
  let step = 1;
  let bad = hi + 1;
  while (good < hi) {
    const next = Math.min(hi, good + step);
    if (!fits(next)) {
      bad = next;
      break;
    }
    good = next;
    step *= 2;
  }
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (fits(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The first `k` UTF-16 units of `text`, one fewer where `k` would split a character. */
export function headOf(text: string, k: number): string {
  return text.slice(0, k > 0 && isHighSurrogate(text.charCodeAt(k - 1)) ? k - 1 : k);
}

/** The last `k` UTF-16 units of `text`, one fewer where `k` would split a character. */
export function tailOf(text: string, k: number): string {
  const start = text.length - k;
  return text.slice(start < text.length && isLowSurrogate(text.charCodeAt(start)) ? start + 1 : start);
}
