// What a model id may be. The database checks the same pattern (db/schema.ts, models_id_slug), and
// ids name folders in the model store, so "." and ".." are excluded by the first character.

/** A lowercase slug, at most 128 characters, starting with a letter or digit. */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** True when `id` may name a model: the pattern, and never "..". */
export function isModelId(id: unknown): id is string {
  return typeof id === "string" && MODEL_ID_PATTERN.test(id) && !id.includes("..");
}
