// The id a new model is installed under: suggested from what was chosen, checked before upload.
import { isModelId } from "../../../server/common/model-id";
import { ARCHIVE_PATTERN } from "./selection";

export function modelIdProblem(id: string, existing: string[]): string | undefined {
  if (!id) return "Give the model an id.";
  if (!isModelId(id))
    return 'Use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128).';
  if (existing.includes(id)) return `A model with the id "${id}" is already installed.`;
  return undefined;
}

/** A model id suggested by a file or folder name: "My-Model v2.tar.gz" → "my-model-v2". */
export function slugFromName(name: string): string {
  return name
    .replace(ARCHIVE_PATTERN, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 128)
    .replace(/[._-]+$/, "");
}
