// The HTTP side of chat settings: a submitted set validated with the shared schema (400 naming the
// field), then against the chat model it will be used with (400 with the model's limit).
import type { AppLoadContext } from "@remix-run/node";
import { chatSettingsSchema, type ChatSettings } from "../server/apps/chat-settings";
import { assertSettingsFitModel } from "../server/apps/chat-settings-fit";
import { chatLimits, type ChatLimits, type ModelChatSettings } from "../server/apps/chat-limits";
import { isPublicError, publicErrorOf } from "../server/http-error";

export type SettingsCheck = { settings: ChatSettings; error?: undefined } | { settings?: undefined; error: string };

/**
 * `input` as chat settings, or the first problem in words. Every problem is a 400 (an out-of-range
 * number is not an oversize body); the model is the one asked for, else Chat's default. Without a
 * model that loads the model checks wait for the turn, which makes them again.
 */
export async function checkChatSettings(
  context: AppLoadContext,
  input: unknown,
  modelId?: string,
): Promise<SettingsCheck> {
  const parsed = chatSettingsSchema.safeParse(input);
  if (!parsed.success) return { error: parsed.error.issues[0]!.message };
  const model = await context.services.registry.languageModel("chat", modelId).catch((error: unknown) => {
    if (isPublicError(error)) return undefined;
    throw error;
  });
  if (!model) return { settings: parsed.data };
  try {
    assertSettingsFitModel(parsed.data, model.description, model.row.displayName);
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    return { error: known.message };
  }
  return { settings: parsed.data };
}

/**
 * A chat's settings and composer limit for the model that would answer (the one asked for, else
 * Chat's default): max tokens clamped to its answer limit, the limit with the settings applied.
 * Without a model that loads, the settings as stored and no limit (the page says so elsewhere).
 */
export async function chatLimitsFor(
  context: AppLoadContext,
  settings: ChatSettings,
  modelId?: string,
): Promise<ChatLimits | (ModelChatSettings & { inputLimit: null })> {
  const model = await context.services.registry.languageModel("chat", modelId).catch((error: unknown) => {
    if (isPublicError(error)) return undefined;
    throw error;
  });
  return model ? chatLimits(settings, model.description) : { settings, inputLimit: null };
}
