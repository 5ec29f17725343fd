// The one path rule, shared by archive entries and the files of a dragged-and-dropped folder. It
// guards against a name that escapes the folder it is written into ("..", "/x", "C:x") or that
// misleads (backslashes, control characters, empty, overlong or too deeply nested names);
// resolveInside proves the joined path stays inside once more, and displayName makes a hostile
// name safe to put in a message or a log line.
import path from "node:path";
import { ArchiveError } from "./errors";

const MAX_PATH_CHARS = 1024;
const MAX_SEGMENT_BYTES = 255;
const MAX_DEPTH = 32;

/** A name fit for a message or a log line: control characters escaped, long names shortened. */
export function displayName(name: string): string {
  let out = "";
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    out += isControl(code) ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
    if (out.length > 200) return out.slice(0, 200) + "…";
  }
  return out;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * The one path rule, shared by archive entries and uploaded files: returns the path normalised
 * ("/"-separated, no "." or empty segments, no trailing slash), or "" when it names the root
 * itself ("./"). Throws ArchiveError for anything that could escape the folder or mislead.
 */
export function normaliseRelativePath(name: string): string {
  const shown = displayName(name);
  for (const ch of name) {
    if (isControl(ch.codePointAt(0) ?? 0))
      throw new ArchiveError("BAD_NAME", `The path "${shown}" contains a control character (such as NUL).`, name);
  }
  if (name.includes("\\"))
    throw new ArchiveError(
      "BAD_NAME",
      `The path "${shown}" contains a backslash; only "/" may separate folders (Windows-style paths are refused).`,
      name,
    );
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name))
    throw new ArchiveError(
      "ABSOLUTE_PATH",
      `The path "${shown}" is absolute; paths must be relative to the model folder.`,
      name,
    );
  if (name.length > MAX_PATH_CHARS)
    throw new ArchiveError("BAD_NAME", `The path "${shown}" is longer than ${MAX_PATH_CHARS} characters.`, name);
  const segments: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..")
      throw new ArchiveError(
        "PATH_TRAVERSAL",
        `The path "${shown}" contains "..", which could reach outside the model folder.`,
        name,
      );
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      throw new ArchiveError(
        "BAD_NAME",
        `The path "${shown}" has a name longer than ${MAX_SEGMENT_BYTES} bytes.`,
        name,
      );
    segments.push(segment);
  }
  if (segments.length > MAX_DEPTH)
    throw new ArchiveError("BAD_NAME", `The path "${shown}" is nested more than ${MAX_DEPTH} folders deep.`, name);
  return segments.join("/");
}

/**
 * Checks a relative path (an archive entry, or a file of a dragged-and-dropped folder) and returns
 * it normalised. Refuses, with ArchiveError: ".." anywhere (PATH_TRAVERSAL), "/x" or "C:x"
 * (ABSOLUTE_PATH), backslashes, control characters, empty or overlong names (BAD_NAME).
 */
export function safeRelativePath(name: string): string {
  const rel = normaliseRelativePath(name);
  if (rel === "") throw new ArchiveError("BAD_NAME", `The path "${displayName(name)}" is empty.`, name);
  return rel;
}

/** `root` joined with a path from safeRelativePath, proved to stay inside `root` (belt and braces). */
export function resolveInside(root: string, rel: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, rel);
  if (target === base || !target.startsWith(base + path.sep))
    throw new ArchiveError("PATH_TRAVERSAL", `The path "${displayName(rel)}" resolves outside the folder.`, rel);
  return target;
}
