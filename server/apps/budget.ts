// The prompt budget: how many tokens a prompt may have so that the answer's room still fits in
// the model's context. Every app fits its input to it (chat turns, the code window, summary
// pieces, a text to translate) with the model's own tokenizer and chat template, and checks the
// final prompt against it before the engine sees it (decision 016).
import type { ModelMessage } from "ai";
import { HttpError } from "../http-error";
import type { LoadedCausalLM } from "../inference";
import type { Decoding } from "./decoding";

/** What fitting needs of a model: its context and its prompt encoder (tokenizer + chat template). */
export type PromptModel = Pick<LoadedCausalLM, "maxPositions" | "encodePrompt">;

/** Tokens of `messages` as the model reads them: chat template and generation prompt included. */
export function countMessageTokens(model: PromptModel, messages: readonly ModelMessage[]): number {
  return model.encodePrompt({
    messages: messages.map((m) => ({ role: m.role, content: String(m.content) })),
  }).length;
}

/**
 * The most prompt tokens a request may have: the context less the answer's room. The engine
 * generates until the context is full, so prompt + maxOutputTokens ≤ maxPositions keeps every
 * answer whole.
 */
export function promptBudget(model: Pick<PromptModel, "maxPositions">, decoding: Decoding): number {
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
  constructor(
    what: string,
    tokens: number,
    maxTokens: number,
    model: { name: string; context: number },
    chars: number,
  ) {
    const roughly = roughCharacters(maxTokens, { chars, tokens });
    super(
      413,
      "INPUT_TOO_LONG",
      `${what} is ${tokens.toLocaleString("en")} tokens; ${model.name} reads ${model.context.toLocaleString("en")} ` +
        `tokens in all, answer included, so it can take at most ${maxTokens.toLocaleString("en")} ` +
        `(about ${roughly.toLocaleString("en")} characters of this text). Shorten it.`,
    );
  }
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
 * some n, false after); lo - 1 when even lo does not fit. Binary search: O(log n) tokenisations.
 */
export function largestFitting(lo: number, hi: number, fits: (n: number) => boolean): number {
  if (lo > hi || !fits(lo)) return lo - 1;
  let good = lo;
  let bad = hi + 1;
  if (fits(hi)) return hi;
  bad = hi;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (fits(mid)) good = mid;
    else bad = mid;
  }
  return good;
}
