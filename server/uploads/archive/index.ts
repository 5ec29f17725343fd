// Safe extraction of an uploaded model archive (.zip, .tar, .tar.gz / .tgz) into an empty folder.
//
// The archive is hostile until proven otherwise. Every entry is checked before a byte of it is
// written: its name (no "..", no absolute path, no backslash, no control character, no duplicate,
// no file/folder clash), its type (regular files and folders only: no symlink, hardlink, device or
// fifo) and its declared size (per file, in total, and the compression ratio). While streaming,
// the bytes actually written are counted again and the entry is abandoned the moment they pass its
// declared size or a limit: headers are never trusted. On any failure everything written so far is
// deleted, so the destination is left as it was found (absent, or empty).
//
// Files are written with mode 0644 and folders with the default mode: modes, owners and times
// stored in the archive are ignored.
//
// This file is the module's public face. Inside: errors.ts (codes and statuses), safe-path.ts (the
// path rule), file-sink.ts (writing one file), detect-format.ts, limits.ts (limits and the byte
// budget), plan.ts (the checks on every entry), zip.ts, tar.ts, and extract.ts (the entry point).
export { ArchiveError, type ArchiveErrorCode } from "./errors";
export { extractArchive, type ExtractedFile, type ExtractOptions } from "./extract";
export { HashingFileSink, sinkClosed, type FileSinkOptions } from "./file-sink";
export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from "./limits";
export { displayName, resolveInside, safeRelativePath } from "./safe-path";
