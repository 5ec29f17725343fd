// What a user types must be storable as typed. PostgreSQL refuses U+0000 in text and jsonb, and
// jsonb refuses unpaired UTF-16 surrogates (text columns silently turn them into U+FFFD). Such
// input is refused at the boundary with a 400 that names the field, never cleaned: what a user
// wrote is stored exactly or not at all. Model output is the other side (text-hygiene.ts).
// Browser-safe: the routes' schemas use it.
import { z } from "zod";

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False when `text` holds U+0000 or a surrogate without its pair. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !UNPAIRED_SURROGATE.test(text);
}

/** The refusal, naming the field as the user knows it ("Message", "Title", "Name"). */
export function unstorableTextMessage(field: string): string {
  return `${field} contains characters that cannot be stored.`;
}

/**
 * A string the database can store, checked before any other rule: chain `.trim()`, `.min()`,
 * `.max()` after it as on `z.string()`.
 */
export function cleanText(field: string) {
  return z.string().refine(isStorableText, { error: unstorableTextMessage(field) });
}

/** The first `max` UTF-16 units of `text`, one less where the cut would split a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, max - 1) : text.slice(0, max);
}
