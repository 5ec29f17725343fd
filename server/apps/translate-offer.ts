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

/**
 * The pairs a model declares between languages it declares; none → nothing offered. A Marian
 * model (opus-mt) that declares nothing translates the one pair its name says: `opus-mt-en-de`
 * (config.json's `_name_or_path`, else the folder's name) is English → German.
 */
export function languageOffer(config: Record<string, unknown>, folderName?: string): LanguageOffer {
  const languages = declaredLanguages(config) ?? {};
  const loom = (typeof config.loom === "object" && config.loom) || {};
  const parsed = pairsDeclaration.safeParse((loom as { translation_pairs?: unknown }).translation_pairs ?? []);
  const pairs = (parsed.success ? parsed.data : []).filter(([a, b]) => a in languages && b in languages);
  if (pairs.length === 0 && config.model_type === "marian") {
    const pair = opusMtPair(config._name_or_path) ?? opusMtPair(folderName);
    if (pair)
      return { languages: { [pair[0]]: languageName(pair[0]), [pair[1]]: languageName(pair[1]) }, pairs: [pair] };
  }
  return { languages, pairs };
}

/** "Helsinki-NLP/opus-mt-en-de" → ["en", "de"]; a multi-language name (opus-mt-en-ROMANCE) → none. */
function opusMtPair(name: unknown): [string, string] | undefined {
  if (typeof name !== "string") return undefined;
  const match = /opus-mt-(?:tc-big-)?([a-z]{2,3})-([a-z]{2,3})$/.exec(name.split("/").at(-1) ?? "");
  return match ? [match[1]!, match[2]!] : undefined;
}

/** A language's name as the model declares it, else its English name; never a bare code. */
export function nameIn(offer: LanguageOffer, code: string): string {
  return offer.languages[code] ?? languageName(code);
}

export function offersPair(offer: LanguageOffer, source: string, target: string): boolean {
  return offer.pairs.some(([a, b]) => a === source && b === target);
}
