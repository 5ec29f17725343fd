// A chat's settings against the model that answers: max tokens within what the model gives an
// answer (half its context, budget.ts), and a system prompt that leaves room for a message and an
// answer. The system prompt is part of every prompt, so it counts against the budget (decision 016).
import type { ModelMessage } from "ai";
import { HttpError } from "../http-error";
import { countMessageTokens, outputRoom, roughCharacters, type PromptModel } from "./budget";
import { MIN_ANSWER_TOKENS } from "./chat";
import type { ChatSettings } from "./chat-settings";

/** The least room a system prompt must leave for the user's message. */
export const MIN_MESSAGE_TOKENS = 32;

export class ChatSettingsError extends HttpError<"SYSTEM_PROMPT_TOO_LONG" | "MAX_TOKENS_TOO_LARGE"> {}

/** The most tokens an answer of `model` may have: what budget.ts leaves it however short the prompt. */
export function maxAnswerTokens(model: Pick<PromptModel, "maxPositions">): number {
  return outputRoom(model, { maxOutputTokens: Number.MAX_SAFE_INTEGER });
}

export interface SystemPromptSize {
  tokens: number;
  maxTokens: number;
}

/** What `systemPrompt` takes with its role's framing, and the most it may take in `model`. */
export function measureSystemPrompt(systemPrompt: string, model: PromptModel): SystemPromptSize {
  const user: ModelMessage = { role: "user", content: "" };
  const bare = countMessageTokens(model, [user]);
  const framed = countMessageTokens(model, [{ role: "system", content: systemPrompt }, user]);
  return {
    tokens: framed - bare,
    maxTokens: Math.max(0, model.maxPositions - MIN_ANSWER_TOKENS - MIN_MESSAGE_TOKENS - bare),
  };
}

/** Refuses settings the model cannot honour (400, the limit shown); `name` is the model's name. */
export function assertSettingsFitModel(settings: ChatSettings, model: PromptModel, name: string): void {
  const answerLimit = maxAnswerTokens(model);
  if (settings.maxTokens > answerLimit) {
    throw new ChatSettingsError(
      400,
      "MAX_TOKENS_TOO_LARGE",
      `Max tokens is at most ${answerLimit} with ${name}: it reads ${model.maxPositions} tokens in all, ` +
        `and an answer may take up to half of them.`,
    );
  }
  assertSystemPromptFits(settings.systemPrompt, model, name);
}

/** Refuses a system prompt that leaves no room for a message and an answer (400, the limit shown). */
export function assertSystemPromptFits(systemPrompt: string, model: PromptModel, name: string): void {
  if (!systemPrompt) return;
  const size = measureSystemPrompt(systemPrompt, model);
  if (size.tokens <= size.maxTokens) return;
  const roughly = roughCharacters(size.maxTokens, { chars: systemPrompt.length, tokens: size.tokens });
  throw new ChatSettingsError(
    400,
    "SYSTEM_PROMPT_TOO_LONG",
    `The system prompt is ${size.tokens} tokens; ${name} reads ${model.maxPositions} tokens in all, so with room ` +
      `for a message and an answer a system prompt can have at most ${size.maxTokens} (about ` +
      `${roughly.toLocaleString("en")} characters of this text). Shorten it.`,
  );
}
