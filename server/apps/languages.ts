// The languages a model declares in its config.json (`loom.languages`) and their English names.
// Pure: the pages import it. Either form is accepted: a list of ISO 639-1 codes (["en", "zh"])
// or codes with the names to show ({"en": "English"}).
import { z } from "zod";

const declaration = z.union([
  z.array(z.string().min(2).max(16)),
  z.record(z.string().min(2).max(16), z.string().min(1).max(64)),
]);

const displayNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });

/** "English" for "en"; the code itself for one Intl does not know. */
export function languageName(code: string): string {
  try {
    return displayNames.of(code) ?? code;
  } catch {
    return code; // not a well-formed language tag
  }
}

/**
 * The declared languages as code → name; undefined when the model declares none (its coverage
 * is unknown, so nothing is flagged or offered on its behalf).
 */
export function declaredLanguages(config: Record<string, unknown>): Record<string, string> | undefined {
  const loom = config.loom;
  if (typeof loom !== "object" || loom === null) return undefined;
  const parsed = declaration.safeParse((loom as { languages?: unknown }).languages);
  if (!parsed.success) return undefined;
  const entries = Array.isArray(parsed.data)
    ? parsed.data.map((code) => [code, languageName(code)] as const)
    : Object.entries(parsed.data);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** "English, Chinese and German". */
export function listOfLanguages(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
