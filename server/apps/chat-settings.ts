// A chat's own settings: the system prompt and the decoding (temperature, top-p, max tokens). Each
// chat keeps a copy, taken from its owner's defaults when it is made; pages and routes validate
// with the same schema. Browser-safe: the settings forms import it.
import { z } from "zod";
import { cleanText } from "../common/user-text";
import type { Decoding } from "./decoding";

export const CHAT_SETTINGS_LIMITS = {
  systemPromptChars: 4_000,
  temperature: { min: 0, max: 2 },
  topP: { min: 0.01, max: 1 },
  /** The schema's cap; the model's own limit (half its context) is checked against the model. */
  maxTokens: { min: 1, max: 4_096 },
} as const;

export interface ChatSettings {
  /** Empty: the model's own system prompt (loom-prompts.json). */
  systemPrompt: string;
  temperature: number;
  topP: number;
  maxTokens: number;
}

/** Loom's defaults, for users who set none. */
export const DEFAULT_CHAT_SETTINGS: ChatSettings = { systemPrompt: "", temperature: 0.7, topP: 0.9, maxTokens: 256 };

/** A number from JSON or from a form field ("0.7"); an empty field is missing, not 0. */
function numberField(name: string, min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === "string" && value.trim() !== "" ? Number(value) : value),
    z
      .number({ error: `${name} must be a number.` })
      .min(min, `${name} must be between ${min} and ${max}.`)
      .max(max, `${name} must be between ${min} and ${max}.`),
  );
}

const { systemPromptChars, temperature, topP, maxTokens } = CHAT_SETTINGS_LIMITS;

export const chatSettingsSchema = z.object({
  systemPrompt: cleanText("System prompt")
    .trim()
    .max(systemPromptChars, `The system prompt is limited to ${systemPromptChars.toLocaleString("en")} characters.`)
    .default(""),
  temperature: numberField("Temperature", temperature.min, temperature.max),
  topP: numberField("Top-p", topP.min, topP.max),
  maxTokens: numberField("Max tokens", maxTokens.min, maxTokens.max).refine(Number.isInteger, {
    error: "Max tokens must be a whole number.",
  }),
});

/** Stored settings, read leniently: a row from before a field existed gets Loom's default for it. */
export function chatSettingsOf(stored: unknown): ChatSettings {
  const parsed = chatSettingsSchema.partial().safeParse(stored ?? {});
  const known = parsed.success ? parsed.data : {};
  return {
    ...DEFAULT_CHAT_SETTINGS,
    ...Object.fromEntries(Object.entries(known).filter(([, v]) => v !== undefined)),
  } as ChatSettings;
}

/** The decoding a chat's answers use; the prompt fitting may shorten maxOutputTokens (budget.ts). */
export function chatDecodingOf(settings: ChatSettings): Decoding {
  return { temperature: settings.temperature, topP: settings.topP, maxOutputTokens: settings.maxTokens };
}

/** The header's one line: "T 0.7 · top-p 0.9 · 256 tokens · system prompt". */
export function chatSettingsSummary(settings: ChatSettings): string {
  const parts = [`T ${settings.temperature}`, `top-p ${settings.topP}`, `${settings.maxTokens} tokens`];
  if (settings.systemPrompt) parts.push("system prompt");
  return parts.join(" · ");
}
