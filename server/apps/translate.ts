// Translate: the input, the prompt, and the plan the one-shot stream runs: the source language
// detected when asked (refused when unsure, so the page asks the user), and the pair checked
// against what the model declares (./translate-offer.ts).
import type { ModelMessage } from "ai";
import { z } from "zod";
import { HttpError } from "../http-error";
import { assertInputFits } from "./budget";
import { detectLanguage } from "./language-detection";
import { listOfLanguages } from "./languages";
import { INPUT_LIMITS } from "./limits";
import type { OneShotApp } from "./one-shot-app";
import { fillTemplate, type AppPrompts } from "./prompts";
import { nameIn, offersPair, type LanguageOffer } from "./translate-offer";

export { languageOffer, type LanguageOffer } from "./translate-offer";

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

export function translateMessages(
  input: { text: string; source: string; target: string },
  offer: LanguageOffer,
  prompts: AppPrompts,
): ModelMessage[] {
  const values = { text: input.text, source: nameIn(offer, input.source), target: nameIn(offer, input.target) };
  const messages: ModelMessage[] = [];
  if (prompts.translate.system)
    messages.push({ role: "system", content: fillTemplate(prompts.translate.system, values) });
  messages.push({ role: "user", content: fillTemplate(prompts.translate.user, values) });
  return messages;
}

/** The source language: the one chosen, or the one detected when the detector is sure. */
function sourceOf(input: TranslateInput, offer: LanguageOffer): string {
  if (input.source !== "auto") return input.source;
  const sources = [...new Set(offer.pairs.map(([a]) => a))];
  const detection = detectLanguage(input.text, sources);
  if (!detection.confident || !detection.language)
    throw new HttpError(
      422,
      "LANGUAGE_UNSURE",
      "Could not tell which language this text is in. Choose the source language in “From”.",
    );
  if (!sources.includes(detection.language))
    throw new HttpError(
      422,
      "LANGUAGE_NOT_SUPPORTED",
      `This text looks like ${nameIn(offer, detection.language)}, which this model does not translate from` +
        (sources.length ? ` (it translates from ${listOfLanguages(sources.map((c) => nameIn(offer, c)))}).` : "."),
    );
  return detection.language;
}

/**
 * The one-shot stream's plan. Refusals are public errors thrown before the first token, so the
 * route answers them with their status (422) and a message that names the languages.
 */
export function translateApp(input: TranslateInput): OneShotApp {
  return {
    decoding: translateDecoding,
    prepare: async ({ model, prompts, describe }) => {
      const offer = model.languages;
      const source = sourceOf(input, offer);
      if (input.source === "auto") describe({ detectedSource: source });
      if (source === input.target)
        throw new HttpError(422, "SAME_LANGUAGE", `This text is already in ${nameIn(offer, source)}.`);
      if (!offersPair(offer, source, input.target))
        throw new HttpError(
          422,
          "PAIR_NOT_SUPPORTED",
          `This model does not translate ${nameIn(offer, source)} to ${nameIn(offer, input.target)}.`,
        );
      // A text longer than the model reads is refused, not cut (decision 016).
      const build = (text: string) => translateMessages({ text, source, target: input.target }, offer, prompts);
      return assertInputFits(model, build, input.text, translateDecoding, "This text");
    },
  };
}
