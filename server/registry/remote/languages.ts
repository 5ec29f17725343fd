// The languages an admin declares for a remote engine ("en, zh, de"): a remote says nothing of
// its own, and Translate offers only declared pairs. Pure: the admin page imports it.
import { HttpError } from "../../http-error";

const CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
export const MAX_REMOTE_LANGUAGES = 64;

/** "en, zh,de" → ["en", "zh", "de"]; empty → undefined (none declared). */
export function splitLanguages(list: string): string[] | undefined {
  const codes = [...new Set(list.split(/[\s,]+/).filter(Boolean))];
  return codes.length ? codes : undefined;
}

/** The codes as given, or a 400 naming the first that is not an ISO 639 code. */
export function checkLanguages(codes: readonly string[] | undefined): string[] | undefined {
  if (!codes?.length) return undefined;
  if (codes.length > MAX_REMOTE_LANGUAGES)
    throw new HttpError(400, "BAD_REMOTE", `At most ${MAX_REMOTE_LANGUAGES} languages.`);
  const bad = codes.find((c) => !CODE.test(c));
  if (bad) throw new HttpError(400, "BAD_REMOTE", `"${bad.slice(0, 20)}" is not a language code (like en, zh, pt-BR).`);
  return [...codes];
}
