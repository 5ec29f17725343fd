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
// A single top-level folder is stripped: zipping a folder "my-model/" (the usual way to archive a
// model) gives entries "my-model/config.json", "my-model/onnx/model.onnx" …; they are extracted as
// "config.json", "onnx/model.onnx" … so config.json lands at the root. The rule: if every entry
// lives under one and the same top-level folder, that folder level is removed. macOS metadata
// ("__MACOSX/…", "._name" and ".DS_Store" files) is checked like everything else, then skipped.
//
// Files are written with mode 0644 and folders with the default mode: modes, owners and times
// stored in the archive are ignored.
import { createHash, randomBytes } from "node:crypto";
import fs, { constants as fsc, createReadStream } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { Writable, type Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import yauzl from "yauzl";
import { PublicError } from "../http-error";
import { formatBytes } from "../common/format";

// ---------------------------------------------------------------------------------------------
// Errors

export type ArchiveErrorCode =
  /** Not a zip, tar or tar.gz file (detected by content, not by name), or nested compression. */
  | "UNSUPPORTED_FORMAT"
  /** Damaged or malformed archive (bad checksum, truncated, CRC mismatch, bad headers). */
  | "CORRUPT"
  | "ENCRYPTED"
  /** A zip entry compressed with something other than store/deflate. */
  | "UNSUPPORTED_COMPRESSION"
  /** A name with "..". */
  | "PATH_TRAVERSAL"
  /** A name starting with "/" or a drive letter ("C:"). */
  | "ABSOLUTE_PATH"
  /** A name with a control character (NUL …), a backslash, or an empty / too long name. */
  | "BAD_NAME"
  | "SYMLINK"
  | "HARDLINK"
  /** Device, fifo or socket entries. */
  | "SPECIAL_FILE"
  /** Any other entry type (sparse files, GNU dump dirs, unknown tar types, oversized tar metadata). */
  | "UNSUPPORTED_ENTRY"
  | "TOO_MANY_ENTRIES"
  | "FILE_TOO_LARGE"
  | "TOTAL_TOO_LARGE"
  /** Uncompressed bytes too many times the compressed ones (a decompression bomb). */
  | "COMPRESSION_RATIO"
  /** An entry produced more bytes than its header declared (a lying header). */
  | "SIZE_MISMATCH"
  /** The same path twice, or one path used both as a file and as a folder. */
  | "DUPLICATE_PATH"
  /** No files at all. */
  | "EMPTY"
  /** The disk filled up while extracting. */
  | "NO_SPACE";

const HTTP_STATUS: Record<ArchiveErrorCode, number> = {
  UNSUPPORTED_FORMAT: 400,
  CORRUPT: 400,
  ENCRYPTED: 400,
  UNSUPPORTED_COMPRESSION: 400,
  PATH_TRAVERSAL: 400,
  ABSOLUTE_PATH: 400,
  BAD_NAME: 400,
  SYMLINK: 400,
  HARDLINK: 400,
  SPECIAL_FILE: 400,
  UNSUPPORTED_ENTRY: 400,
  TOO_MANY_ENTRIES: 413,
  FILE_TOO_LARGE: 413,
  TOTAL_TOO_LARGE: 413,
  COMPRESSION_RATIO: 413,
  SIZE_MISMATCH: 400,
  DUPLICATE_PATH: 400,
  EMPTY: 400,
  NO_SPACE: 507,
};

/** A refused archive (or path). `message` is written for the user and names the offending entry. */
export class ArchiveError extends PublicError<ArchiveErrorCode> {
  constructor(
    code: ArchiveErrorCode,
    message: string,
    /** The entry's name as found in the archive, when one entry is at fault. */
    readonly entry?: string,
  ) {
    super(code, HTTP_STATUS[code], message);
  }
}

// ---------------------------------------------------------------------------------------------
// Limits

export interface ArchiveLimits {
  /** Entries of any kind (files, folders, skipped metadata). */
  maxEntries: number;
  /** Largest single file, uncompressed. */
  maxFileBytes: number;
  /** All files together, uncompressed. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio, checked once more than `ratioCheckAfterBytes` came out. */
  maxCompressionRatio: number;
  ratioCheckAfterBytes: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 1000,
  maxFileBytes: 20 * GiB,
  maxTotalBytes: 40 * GiB,
  // Model weights barely compress (≈1.1×), JSON and tokenizers 5–10×; a zip of zeros reaches ~1000×.
  maxCompressionRatio: 200,
  ratioCheckAfterBytes: 256 * MiB,
});

export interface ExtractOptions extends Partial<ArchiveLimits> {
  /** Called as bytes are written, with the running total (for progress bars, and for tests). */
  onProgress?: (bytesWritten: number) => void;
}

export interface ExtractedFile {
  /** Relative, "/"-separated, after the top-level folder was stripped. */
  path: string;
  bytes: number;
  /** Hex SHA-256 of the content, computed while it streamed to disk. */
  sha256: string;
}

// ---------------------------------------------------------------------------------------------
// Names

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
function normaliseRelativePath(name: string): string {
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

// ---------------------------------------------------------------------------------------------
// Writing one file

export interface FileSinkOptions {
  /**
   * Called with each chunk before it is written, and the bytes written before it. Throw to refuse
   * the chunk: none of it reaches the disk and the sink errors with what was thrown.
   */
  onChunk?: (chunk: Buffer, bytesBefore: number) => void;
}

/**
 * A Writable that creates a new file (never overwrites, never follows a symlink: O_EXCL |
 * O_NOFOLLOW), writes what it is given, and hashes it on the way (SHA-256). After 'finish',
 * `bytes` and `sha256` describe the file. The caller deletes the file if the sink errors.
 */
export class HashingFileSink extends Writable {
  bytes = 0;
  private readonly hash = createHash("sha256");
  private digest: string | undefined;
  private fd: number | undefined;

  constructor(
    readonly filePath: string,
    private readonly options: FileSinkOptions = {},
  ) {
    super({ highWaterMark: 1 * MiB });
    // Errors reach the caller through finished()/pipeline(); this keeps a late one from crashing.
    this.on("error", () => {});
  }

  /** Hex SHA-256 of everything written; only after 'finish'. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error("HashingFileSink: the file is not finished");
    return this.digest;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;
    fs.open(this.filePath, flags, 0o644, (err, fd) => {
      if (err) return callback(err);
      this.fd = fd;
      callback();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    let before = this.bytes;
    try {
      for (const buffer of buffers) {
        this.options.onChunk?.(buffer, before);
        before += buffer.length;
      }
    } catch (error) {
      return callback(error as Error);
    }
    for (const buffer of buffers) this.hash.update(buffer);
    this.bytes = before;
    writeAll(this.fd as number, buffers, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.digest = this.hash.digest("hex");
    const fd = this.fd as number;
    this.fd = undefined;
    fs.close(fd, (err) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.fd === undefined) return callback(error);
    const fd = this.fd;
    this.fd = undefined;
    fs.close(fd, () => callback(error));
  }
}

function writeAll(fd: number, buffers: Buffer[], callback: (error?: Error | null) => void): void {
  fs.writev(fd, buffers, (err, written) => {
    if (err) return callback(err);
    let rest = written;
    const remaining: Buffer[] = [];
    for (const b of buffers) {
      if (rest >= b.length) rest -= b.length;
      else {
        remaining.push(rest > 0 ? b.subarray(rest) : b);
        rest = 0;
      }
    }
    if (remaining.length === 0) return callback();
    writeAll(fd, remaining, callback);
  });
}

/** Resolves once the sink has closed its file (finished or destroyed), whatever happened. */
export function sinkClosed(sink: Writable): Promise<void> {
  if (sink.closed) return Promise.resolve();
  return new Promise((resolve) => sink.once("close", () => resolve()));
}

// ---------------------------------------------------------------------------------------------
// Format detection

type Format = "zip" | "gzip" | "tar";

async function detectFormat(archivePath: string): Promise<Format> {
  const handle = await open(archivePath, "r");
  const head = Buffer.alloc(512);
  let n: number;
  try {
    ({ bytesRead: n } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  const starts = (...bytes: number[]) => n >= bytes.length && bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return "zip";
  if (starts(0x1f, 0x8b, 0x08)) return "gzip";
  if (n >= 263 && head.toString("latin1", 257, 262) === "ustar") return "tar";
  let known: string | undefined;
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) known = "zstd";
  else if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) known = "xz";
  else if (starts(0x42, 0x5a, 0x68)) known = "bzip2";
  else if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) known = "7-Zip";
  else if (starts(0x52, 0x61, 0x72, 0x21)) known = "RAR";
  throw new ArchiveError(
    "UNSUPPORTED_FORMAT",
    known
      ? `This is a ${known} file; upload a .zip, .tar, .tar.gz or .tgz archive instead.`
      : "The file is not a .zip, .tar, .tar.gz or .tgz archive.",
  );
}

// ---------------------------------------------------------------------------------------------
// The plan: every entry is checked here before anything of it is written

type EntryKind = "file" | "dir";

/** macOS metadata: "__MACOSX/…" (Finder's zip), "._name" AppleDouble files (bsdtar), ".DS_Store". */
function isJunk(rel: string): boolean {
  const base = path.posix.basename(rel);
  return rel.split("/")[0] === "__MACOSX" || base === ".DS_Store" || base.startsWith("._");
}

class EntryPlan {
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

const tooManyEntries = (max: number) =>
  new ArchiveError("TOO_MANY_ENTRIES", `The archive has more than ${max} entries; a model folder needs far fewer.`);
const fileTooLarge = (name: string, max: number) =>
  new ArchiveError(
    "FILE_TOO_LARGE",
    `"${displayName(name)}" is larger than the ${formatBytes(max)} allowed for one file.`,
    name,
  );
const totalTooLarge = (max: number) =>
  new ArchiveError("TOTAL_TOO_LARGE", `The archive unpacks to more than the ${formatBytes(max)} allowed.`);
const ratioTooHigh = (name: string | undefined, max: number) =>
  new ArchiveError(
    "COMPRESSION_RATIO",
    `${name ? `"${displayName(name)}"` : "The archive"} unpacks to more than ${max} times its compressed size; this looks like a decompression bomb.`,
    name,
  );

/** Counts written bytes across the whole archive and stops an entry the moment a limit is passed. */
class WriteBudget {
  written = 0;
  constructor(
    private readonly limits: ArchiveLimits,
    private readonly compressedBytes: () => number,
    private readonly onProgress?: (bytesWritten: number) => void,
  ) {}

  checker(name: string, declaredBytes: number): (chunk: Buffer, bytesBefore: number) => void {
    return (chunk, before) => {
      const after = before + chunk.length;
      if (after > declaredBytes)
        throw new ArchiveError(
          "SIZE_MISMATCH",
          `"${displayName(name)}" holds more data than its header declares (${declaredBytes} bytes); the archive is damaged or forged.`,
          name,
        );
      if (after > this.limits.maxFileBytes) throw fileTooLarge(name, this.limits.maxFileBytes);
      const total = this.written + chunk.length;
      if (total > this.limits.maxTotalBytes) throw totalTooLarge(this.limits.maxTotalBytes);
      if (
        total > this.limits.ratioCheckAfterBytes &&
        total / Math.max(1, this.compressedBytes()) > this.limits.maxCompressionRatio
      )
        throw ratioTooHigh(undefined, this.limits.maxCompressionRatio);
      this.written = total;
      this.onProgress?.(total);
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Extracts `archivePath` (zip, tar or gzip-compressed tar, recognised by its first bytes) into
 * `destDir`, which must be absent or an empty folder. Returns the files written, in archive
 * order, with their size and SHA-256. Throws ArchiveError for anything refused; then (and on any
 * other failure) `destDir` is left as it was: removed if this call created it, else emptied.
 */
export async function extractArchive(
  archivePath: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractedFile[]> {
  const { onProgress, ...given } = options;
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(DEFAULT_ARCHIVE_LIMITS) as Array<keyof ArchiveLimits>) {
    const value = given[key];
    if (value !== undefined) {
      if (!(value > 0)) throw new RangeError(`extractArchive: ${key} must be positive`);
      limits[key] = value;
    }
  }
  const format = await detectFormat(archivePath);
  const archiveBytes = (await lstat(archivePath)).size;
  const created = await prepareDestination(destDir);
  try {
    const plan = new EntryPlan(limits);
    const files =
      format === "zip"
        ? await extractZip(archivePath, destDir, plan, limits, archiveBytes, onProgress)
        : await extractTar(archivePath, destDir, plan, limits, format === "gzip", onProgress);
    if (files.length === 0) throw new ArchiveError("EMPTY", "The archive contains no files.");
    const top = plan.singleTopFolder();
    if (top === undefined) return files;
    await hoist(destDir, top);
    return files.map((f) => ({ ...f, path: f.path.slice(top.length + 1) }));
  } catch (error) {
    await clearDestination(destDir, created);
    throw asArchiveError(error);
  }
}

async function prepareDestination(destDir: string): Promise<boolean> {
  try {
    const stats = await lstat(destDir);
    if (!stats.isDirectory()) throw new Error(`extractArchive: ${destDir} exists and is not a folder`);
    if ((await readdir(destDir)).length > 0) throw new Error(`extractArchive: ${destDir} is not empty`);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(destDir, { recursive: true });
    return true;
  }
}

async function clearDestination(destDir: string, created: boolean): Promise<void> {
  if (created) return rm(destDir, { recursive: true, force: true });
  const names = await readdir(destDir).catch(() => [] as string[]);
  await Promise.all(names.map((name) => rm(path.join(destDir, name), { recursive: true, force: true })));
}

/** Moves the contents of destDir/top up into destDir (destDir holds nothing else). */
async function hoist(destDir: string, top: string): Promise<void> {
  const aside = path.join(destDir, `.loom-strip-${randomBytes(6).toString("hex")}`);
  await rename(path.join(destDir, top), aside);
  for (const name of await readdir(aside)) await rename(path.join(aside, name), path.join(destDir, name));
  await rmdir(aside);
}

/** Errors of the file system stay what they are (a full disk gets a clear message); others mean a bad archive. */
function asArchiveError(error: unknown): unknown {
  if (error instanceof ArchiveError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === "ENOSPC")
    return new ArchiveError("NO_SPACE", "The server ran out of disk space while unpacking the archive.");
  if (e && typeof e === "object" && "syscall" in e) return error;
  if (error instanceof RangeError || (e instanceof Error && e.message.startsWith("extractArchive:"))) return error;
  const detail = e instanceof Error ? e.message : String(error);
  return new ArchiveError("CORRUPT", `The archive could not be read: ${detail}.`);
}

// ---------------------------------------------------------------------------------------------
// zip (yauzl: central directory, lazy entries, streamed inflation)

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function zipEntryKind(entry: yauzl.Entry, name: string): EntryKind {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  const shown = displayName(name);
  if (type === S_IFLNK)
    throw new ArchiveError("SYMLINK", `"${shown}" is a symbolic link; archives may hold only files and folders.`, name);
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR)
    throw new ArchiveError(
      "SPECIAL_FILE",
      `"${shown}" is a device, fifo or socket; archives may hold only files and folders.`,
      name,
    );
  const isDir = name.endsWith("/") || type === S_IFDIR;
  if (isDir) return "dir";
  if (entry.isEncrypted())
    throw new ArchiveError("ENCRYPTED", `"${shown}" is encrypted; upload an archive without a password.`, name);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
    throw new ArchiveError(
      "UNSUPPORTED_COMPRESSION",
      `"${shown}" uses compression method ${entry.compressionMethod}; only stored and deflated zip entries are supported.`,
      name,
    );
  return "file";
}

function readAllZipEntries(zip: yauzl.ZipFile, onEntry: (entry: yauzl.Entry) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      try {
        onEntry(entry);
        zip.readEntry();
      } catch (error) {
        reject(error);
      }
    });
    zip.once("end", () => resolve());
    zip.on("error", reject);
    zip.readEntry();
  });
}

async function extractZip(
  archivePath: string,
  destDir: string,
  plan: EntryPlan,
  limits: ArchiveLimits,
  archiveBytes: number,
  onProgress: ExtractOptions["onProgress"],
): Promise<ExtractedFile[]> {
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings: false, so names are decoded and checked here (with yauzl's own check too).
    zip = await yauzl.openPromise(archivePath, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (error) {
    throw new ArchiveError("CORRUPT", `The zip archive could not be read: ${(error as Error).message}.`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw tooManyEntries(limits.maxEntries);
    const todo: Array<{ entry: yauzl.Entry; name: string; rel: string }> = [];
    const dirs: string[] = [];
    await readAllZipEntries(zip, (entry) => {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const kind = zipEntryKind(entry, name);
      const size = kind === "file" ? entry.uncompressedSize : 0;
      const rel = plan.add(name, kind, size);
      const yauzlSays = yauzl.validateFileName(name);
      if (yauzlSays !== null)
        throw new ArchiveError("BAD_NAME", `The entry "${displayName(name)}" is refused (${yauzlSays}).`, name);
      if (rel === undefined) return;
      if (kind === "dir") return void dirs.push(rel);
      if (size > limits.ratioCheckAfterBytes && size / Math.max(1, entry.compressedSize) > limits.maxCompressionRatio)
        throw ratioTooHigh(name, limits.maxCompressionRatio);
      todo.push({ entry, name, rel });
    });
    for (const dir of dirs) await mkdir(resolveInside(destDir, dir), { recursive: true });
    const budget = new WriteBudget(limits, () => archiveBytes, onProgress);
    const out: ExtractedFile[] = [];
    for (const { entry, name, rel } of todo) {
      const target = resolveInside(destDir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      const check = budget.checker(name, entry.uncompressedSize);
      let crc = 0;
      const sink = new HashingFileSink(target, {
        onChunk: (chunk, before) => {
          check(chunk, before);
          crc = zlib.crc32(chunk, crc);
        },
      });
      try {
        const stream: Readable = await zip.openReadStreamPromise(entry);
        await pipeline(stream, sink);
      } catch (error) {
        throw zipEntryError(error, name);
      } finally {
        await sinkClosed(sink);
      }
      if (sink.bytes !== entry.uncompressedSize)
        throw new ArchiveError("CORRUPT", `"${displayName(name)}" is shorter than its header declares.`, name);
      if (crc !== entry.crc32)
        throw new ArchiveError("CORRUPT", `"${displayName(name)}" is damaged (its CRC-32 does not match).`, name);
      out.push({ path: rel, bytes: sink.bytes, sha256: sink.sha256 });
    }
    return out;
  } finally {
    zip.close();
  }
}

function zipEntryError(error: unknown, name: string): unknown {
  if (error instanceof ArchiveError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e === "object" && "syscall" in e) return error;
  const message = e instanceof Error ? e.message : String(error);
  if (message.startsWith("too many bytes in the stream"))
    return new ArchiveError(
      "SIZE_MISMATCH",
      `"${displayName(name)}" holds more data than its header declares; the archive is damaged or forged.`,
      name,
    );
  return new ArchiveError("CORRUPT", `"${displayName(name)}" could not be unpacked: ${message}.`, name);
}

// ---------------------------------------------------------------------------------------------
// tar / tar.gz (node-tar's streaming Parser; every decision about entries is taken here)

/** Tar metadata (pax headers, GNU long names) larger than this is refused. */
const MAX_TAR_META_BYTES = 64 * 1024;

function tarEntryKind(entry: ReadEntry): EntryKind {
  const name = entry.path;
  const shown = displayName(name);
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      return "file";
    case "Directory":
      return "dir";
    case "SymbolicLink":
      throw new ArchiveError(
        "SYMLINK",
        `"${shown}" is a symbolic link; archives may hold only files and folders.`,
        name,
      );
    case "Link":
      throw new ArchiveError("HARDLINK", `"${shown}" is a hard link; archives may hold only files and folders.`, name);
    case "CharacterDevice":
    case "BlockDevice":
    case "FIFO":
      throw new ArchiveError(
        "SPECIAL_FILE",
        `"${shown}" is a device or fifo; archives may hold only files and folders.`,
        name,
      );
    default:
      throw new ArchiveError(
        "UNSUPPORTED_ENTRY",
        `"${shown}" has a tar entry type (${entry.type}) that is not accepted; archives may hold only files and folders.`,
        name,
      );
  }
}

async function extractTar(
  archivePath: string,
  destDir: string,
  plan: EntryPlan,
  limits: ArchiveLimits,
  gzip: boolean,
  onProgress: ExtractOptions["onProgress"],
): Promise<ExtractedFile[]> {
  const source = createReadStream(archivePath, { highWaterMark: 1 * MiB });
  const budget = new WriteBudget(limits, () => source.bytesRead, onProgress);
  // The tar stream itself (headers, padding, metadata) is bounded too, so that a gzip bomb of
  // padding or metadata is stopped even though it writes no file.
  const maxTarBytes = limits.maxTotalBytes + (limits.maxEntries + 2) * (2 * MAX_TAR_META_BYTES + 4096);
  let tarBytes = 0;
  const results: Array<ExtractedFile | undefined> = [];
  const work: Array<Promise<void>> = [];
  const sinks = new Set<HashingFileSink>();
  const stop = new AbortController();
  let failure: unknown;
  let sawEnd = false;

  const fail = (error: unknown) => {
    if (failure !== undefined) return;
    failure = error;
    for (const sink of sinks) sink.destroy();
    stop.abort();
  };

  const parser = new Parser({ strict: true, brotli: false, zstd: false, maxMetaEntrySize: MAX_TAR_META_BYTES });
  parser.on("error", (error: Error) => fail(error));
  // The archive's end marker: stop reading there (whatever follows is ignored, not buffered).
  parser.on("eof", () => {
    sawEnd = true;
    stop.abort();
  });
  parser.on("ignoredEntry", (entry: ReadEntry) => {
    const name = entry.path;
    fail(
      entry.meta
        ? new ArchiveError("UNSUPPORTED_ENTRY", `The tar metadata for "${displayName(name)}" is too large.`, name)
        : new ArchiveError(
            "UNSUPPORTED_ENTRY",
            `"${displayName(name)}" has a tar entry type (${entry.header.type ?? "unknown"}) that is not accepted; archives may hold only files and folders.`,
            name,
          ),
    );
  });
  parser.on("entry", (entry: ReadEntry) => {
    if (failure !== undefined) return void entry.resume();
    try {
      const kind = tarEntryKind(entry);
      const rel = plan.add(entry.path, kind, kind === "file" ? entry.size : 0);
      if (rel === undefined || kind === "dir") {
        entry.resume();
        if (rel !== undefined)
          work.push(
            mkdir(resolveInside(destDir, rel), { recursive: true }).then(
              () => {},
              (error) => fail(error),
            ),
          );
        return;
      }
      const index = results.push(undefined) - 1;
      work.push(
        writeTarEntry(entry, rel, index).catch((error) => {
          entry.resume();
          fail(error);
        }),
      );
    } catch (error) {
      entry.resume();
      fail(error);
    }
  });

  async function writeTarEntry(entry: ReadEntry, rel: string, index: number): Promise<void> {
    const name = entry.path;
    const target = resolveInside(destDir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    if (failure !== undefined) return void entry.resume();
    const sink = new HashingFileSink(target, { onChunk: budget.checker(name, entry.size) });
    sinks.add(sink);
    try {
      entry.pipe(sink);
      await finished(sink);
    } finally {
      entry.unpipe(sink);
      await sinkClosed(sink);
    }
    if (sink.bytes !== entry.size)
      throw new ArchiveError("CORRUPT", `"${displayName(name)}" is shorter than its header declares.`, name);
    results[index] = { path: rel, bytes: sink.bytes, sha256: sink.sha256 };
  }

  let first = true;
  const feed = new Writable({
    highWaterMark: 1 * MiB,
    write(chunk: Buffer, _encoding, callback) {
      if (failure !== undefined || sawEnd) return callback();
      if (first) {
        first = false;
        if (chunk[0] === 0x1f && chunk[1] === 0x8b)
          return callback(
            new ArchiveError("UNSUPPORTED_FORMAT", "The archive is compressed twice; upload a plain .tar.gz."),
          );
      }
      tarBytes += chunk.length;
      if (tarBytes > maxTarBytes) return callback(totalTooLarge(limits.maxTotalBytes));
      if (
        tarBytes > limits.ratioCheckAfterBytes &&
        tarBytes / Math.max(1, source.bytesRead) > limits.maxCompressionRatio
      )
        return callback(ratioTooHigh(undefined, limits.maxCompressionRatio));
      if (parser.write(chunk)) callback();
      else parser.once("drain", () => callback());
    },
    final(callback) {
      if (sawEnd || failure !== undefined) return callback();
      parser.once("end", () => {
        if (failure === undefined) callback();
      });
      parser.end();
    },
  });

  try {
    if (gzip) await pipeline(source, zlib.createGunzip(), feed, { signal: stop.signal });
    else await pipeline(source, feed, { signal: stop.signal });
  } catch (error) {
    if (!(stop.signal.aborted && sawEnd && failure === undefined)) fail(error);
  }
  await Promise.allSettled(work);
  await Promise.all([...sinks].map(sinkClosed));
  if (failure !== undefined) throw failure;
  return results.filter((r): r is ExtractedFile => r !== undefined);
}
