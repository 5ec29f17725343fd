// A chat's settings and message limit as one model reads them (decision 035): the max tokens
// clamped to what the model gives an answer, and the most one new message may be once the system
// prompt and that answer room are kept. Pages show both; the turn refuses by the same rule.
import { chatInputLimit, withSystemPrompt, type ChatInputLimit } from "./chat";
import { chatDecodingOf, type ChatSettings } from "./chat-settings";
import { maxAnswerTokens } from "./chat-settings-fit";
import type { ModelDescription } from "./model-description";

/** What the limits need of a model: its context, its token count and its prompts. */
export type LimitModel = Pick<ModelDescription, "maxPositions" | "countTokens" | "prompts">;

export interface ModelChatSettings {
  /** The settings with max tokens at most the model's answer limit. */
  settings: ChatSettings;
  /** The model's answer limit when it lowered the stored max tokens (the form says so); else undefined. */
  maxTokensLimit?: number;
}

/**
 * `settings` as `model` can honour them. Loom's default max tokens (256) or a value chosen for a
 * larger model can be over a small model's limit (half its context: 128 for 256 positions); a
 * form that showed the stored value would make every save of another field fail on a number the
 * user never chose, so the value read is the limit, and saying so is the form's job.
 */
export function settingsForModel(settings: ChatSettings, model: Pick<LimitModel, "maxPositions">): ModelChatSettings {
  const limit = maxAnswerTokens(model);
  if (settings.maxTokens <= limit) return { settings };
  return { settings: { ...settings, maxTokens: limit }, maxTokensLimit: limit };
}

export interface ChatLimits extends ModelChatSettings {
  /** The most one new message may take in this chat, with its settings applied. */
  inputLimit: ChatInputLimit;
}

/** A chat's settings for `model` and its composer's limit under them. */
export function chatLimits(settings: ChatSettings, model: LimitModel): ChatLimits {
  const read = settingsForModel(settings, model);
  const prompts = withSystemPrompt(model.prompts, read.settings.systemPrompt);
  return { ...read, inputLimit: chatInputLimit(prompts, model, chatDecodingOf(read.settings)) };
}
