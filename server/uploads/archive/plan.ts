// The plan: every entry is checked here before a byte of it is written. It guards against a name
// that breaks the path rule, against the same path twice or one path as both a file and a folder
// (which would make the result depend on order), and against too many entries or declared sizes
// over the limits. macOS metadata is checked like the rest, then skipped. The plan also finds the
// single top-level folder that extraction strips.
import path from "node:path";
import { ArchiveError } from "./errors";
import { fileTooLarge, tooManyEntries, totalTooLarge, type ArchiveLimits } from "./limits";
import { displayName, normaliseRelativePath, safeRelativePath } from "./safe-path";

export type EntryKind = "file" | "dir";

/** macOS metadata: "__MACOSX/…" (Finder's zip), "._name" AppleDouble files (bsdtar), ".DS_Store". */
function isJunk(rel: string): boolean {
  const base = path.posix.basename(rel);
  return rel.split("/")[0] === "__MACOSX" || base === ".DS_Store" || base.startsWith("._");
}

export class EntryPlan {
  entries = 0;
  declaredTotal = 0;
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();

  constructor(private readonly limits: ArchiveLimits) {}

  /** Checks one entry; returns its normalised path, or undefined when it is skipped (root, junk). */
  add(name: string, kind: EntryKind, declaredBytes: number): string | undefined {
    this.entries++;
    if (this.entries > this.limits.maxEntries) throw tooManyEntries(this.limits.maxEntries);
    const rel = kind === "dir" ? normaliseRelativePath(name) : safeRelativePath(name);
    if (rel === "") return undefined;
    const shown = displayName(name);
    const clash = () =>
      new ArchiveError(
        "DUPLICATE_PATH",
        `The archive contains "${shown}" more than once (or as both a file and a folder).`,
        name,
      );
    if (this.files.has(rel) || (kind === "file" && this.dirs.has(rel))) throw clash();
    const segments = rel.split("/");
    for (let i = 1; i < segments.length; i++) {
      const ancestor = segments.slice(0, i).join("/");
      if (this.files.has(ancestor)) throw clash();
    }
    if (isJunk(rel)) return undefined;
    for (let i = 1; i < segments.length; i++) this.dirs.add(segments.slice(0, i).join("/"));
    if (kind === "dir") {
      this.dirs.add(rel);
      return rel;
    }
    if (declaredBytes > this.limits.maxFileBytes) throw fileTooLarge(name, this.limits.maxFileBytes);
    this.declaredTotal += declaredBytes;
    if (this.declaredTotal > this.limits.maxTotalBytes) throw totalTooLarge(this.limits.maxTotalBytes);
    this.files.add(rel);
    return rel;
  }

  /** The one folder every entry lives under, if there is one. */
  singleTopFolder(): string | undefined {
    if (this.files.size === 0) return undefined;
    const tops = new Set<string>();
    for (const p of [...this.files, ...this.dirs]) tops.add(p.split("/")[0]);
    if (tops.size !== 1) return undefined;
    const [top] = tops;
    return this.files.has(top) ? undefined : top;
  }
}
