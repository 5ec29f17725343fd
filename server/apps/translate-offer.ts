// What Translate offers with a model: the languages and directed pairs its config.json declares
// (`loom.languages`, `loom.translation_pairs`). Pure: the page imports it (the detector, which is
// server only, lives in ./language-detection.ts).
import { z } from "zod";
import { declaredLanguages, languageName } from "./languages";

export interface LanguageOffer {
  languages: Record<string, string>;
  pairs: [string, string][];
}

const pairsDeclaration = z.array(z.tuple([z.string().max(16), z.string().max(16)])).max(1000);

/** The pairs a model declares between languages it declares; none → nothing offered. */
export function languageOffer(config: Record<string, unknown>): LanguageOffer {
  const languages = declaredLanguages(config) ?? {};
  const loom = (typeof config.loom === "object" && config.loom) || {};
  const parsed = pairsDeclaration.safeParse((loom as { translation_pairs?: unknown }).translation_pairs ?? []);
  const pairs = (parsed.success ? parsed.data : []).filter(([a, b]) => a in languages && b in languages);
  return { languages, pairs };
}

/** A language's name as the model declares it, else its English name; never a bare code. */
export function nameIn(offer: LanguageOffer, code: string): string {
  return offer.languages[code] ?? languageName(code);
}

export function offersPair(offer: LanguageOffer, source: string, target: string): boolean {
  return offer.pairs.some(([a, b]) => a === source && b === target);
}
