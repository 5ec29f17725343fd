// Translate: the language pairs a model declares, a small script-and-stopword language detector,
// the prompt, and the plan the one-shot stream runs.
import type { ModelMessage } from "ai";
import { z } from "zod";
import { HttpError } from "../http-error";
import { assertInputFits } from "./budget";
import { INPUT_LIMITS } from "./limits";
import type { OneShotApp } from "./one-shot-app";
import { fillTemplate, type AppPrompts } from "./prompts";

export const translateInput = z.object({
  text: z
    .string()
    .trim()
    .min(1, "Paste a text to translate.")
    .max(
      INPUT_LIMITS.translateText,
      `Texts are limited to ${INPUT_LIMITS.translateText.toLocaleString("en")} characters.`,
    ),
  source: z.string().min(2).max(16),
  target: z.string().min(2).max(16),
  modelId: z.string().max(128).optional(),
});
export type TranslateInput = z.infer<typeof translateInput>;

export const translateDecoding = { temperature: 0, maxOutputTokens: 256 } as const;

export interface LanguageOffer {
  languages: Record<string, string>;
  pairs: [string, string][];
}

const declaration = z.object({
  languages: z.record(z.string(), z.string()).optional(),
  translation_pairs: z.array(z.tuple([z.string(), z.string()])).optional(),
});

/** What a model's config.json (`loom.languages`, `loom.translation_pairs`) declares; none → nothing offered. */
export function languageOffer(config: Record<string, unknown>): LanguageOffer {
  const parsed = declaration.safeParse(config.loom ?? {});
  if (!parsed.success) return { languages: {}, pairs: [] };
  const languages = parsed.data.languages ?? {};
  const pairs = (parsed.data.translation_pairs ?? []).filter(([a, b]) => a in languages && b in languages);
  return { languages, pairs };
}

const STOPWORDS: Record<string, string[]> = {
  en: ["the", "and", "is", "are", "to", "of", "a", "in", "it", "you", "i", "this", "that", "what", "with"],
  de: ["der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "zu", "mit", "sie", "es", "du", "wir"],
  fr: ["le", "la", "les", "et", "est", "je", "un", "une", "des", "pas", "vous", "nous", "il", "que", "du"],
};

/** Guesses the language of `text` among `candidates` (codes); undefined when nothing fits. */
export function detectLanguage(text: string, candidates: string[]): string | undefined {
  const han = (text.match(/\p{Script=Han}/gu) ?? []).length;
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  if (letters === 0) return undefined;
  if (han / letters > 0.3) return candidates.find((c) => c === "zh");
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: { code: string; score: number } | undefined;
  for (const code of candidates) {
    const list = STOPWORDS[code];
    if (!list) continue;
    let score = words.filter((w) => list.includes(w)).length;
    if (code === "de" && /[äöüß]/i.test(text)) score += 2;
    if (code === "fr" && /[éèêàçœ]/i.test(text)) score += 2;
    if (!best || score > best.score) best = { code, score };
  }
  return best && best.score > 0 ? best.code : candidates.find((c) => c === "en");
}

export function translateMessages(
  input: { text: string; source: string; target: string },
  offer: LanguageOffer,
  prompts: AppPrompts,
): ModelMessage[] {
  const name = (code: string) => offer.languages[code] ?? code;
  const values = { text: input.text, source: name(input.source), target: name(input.target) };
  const messages: ModelMessage[] = [];
  if (prompts.translate.system)
    messages.push({ role: "system", content: fillTemplate(prompts.translate.system, values) });
  messages.push({ role: "user", content: fillTemplate(prompts.translate.user, values) });
  return messages;
}

/**
 * The one-shot stream's plan: the source language detected when asked, and the pair checked
 * against what the model declares. Refusals are thrown inside the stream: an HttpError keeps its
 * message for the page.
 */
export function translateApp(input: TranslateInput): OneShotApp {
  return {
    decoding: translateDecoding,
    prepare: async ({ model, prompts, progress }) => {
      const offer = languageOffer(model.folder.config);
      const source = input.source === "auto" ? detectLanguage(input.text, Object.keys(offer.languages)) : input.source;
      if (!source)
        throw new HttpError(
          422,
          "LANGUAGE_UNKNOWN",
          "Could not tell which language this is; choose the source language.",
        );
      if (!offer.pairs.some(([a, b]) => a === source && b === input.target)) {
        const name = (code: string) => offer.languages[code] ?? code;
        throw new HttpError(
          422,
          "PAIR_NOT_SUPPORTED",
          `This model does not translate ${name(source)} to ${name(input.target)}.`,
        );
      }
      if (input.source === "auto") progress({ detected: source });
      // A text longer than the model reads is refused, not cut (decision 016).
      const build = (text: string) => translateMessages({ text, source, target: input.target }, offer, prompts);
      return assertInputFits(model, build, input.text, translateDecoding, "This text");
    },
  };
}
