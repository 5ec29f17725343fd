// Upload staging: where an uploaded model is assembled before anyone can see it. One session per
// upload, under the data folder:
//
//   <dataDir>/uploads/<id>/          the session (id: 32 random hex digits, nothing else accepted)
//   <dataDir>/uploads/<id>/files/    the model folder being assembled: what is validated, then installed
//   <dataDir>/uploads/<id>/tmp/      partial files and received archives, never inside files/
//
// A file is streamed to tmp/ (hashed and counted on the way, refused the moment it passes its
// limit) and only then linked into files/ under its name, so a half-written file never appears
// there and an existing one is never replaced. The session folder's mtime is its last activity;
// sessions idle for longer than a chosen age are purged.
import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, readdir, rename, rm, utimes } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { PublicError } from "../http-error";
import { formatBytes } from "../common/format";
import {
  ArchiveError,
  DEFAULT_ARCHIVE_LIMITS,
  extractArchive,
  HashingFileSink,
  resolveInside,
  safeRelativePath,
  sinkClosed,
  type ExtractedFile,
  type ExtractOptions,
} from "./archive";

export type UploadErrorCode =
  "BAD_ID" | "NOT_FOUND" | "BAD_PATH" | "CONFLICT" | "TOO_LARGE" | "TOO_MANY_FILES" | "ABORTED" | "NO_SPACE";

const HTTP_STATUS: Record<UploadErrorCode, number> = {
  BAD_ID: 400,
  NOT_FOUND: 404,
  BAD_PATH: 400,
  CONFLICT: 409,
  TOO_LARGE: 413,
  TOO_MANY_FILES: 413,
  ABORTED: 400,
  NO_SPACE: 507,
};

/** A refused upload step; `message` is for the user. */
export class UploadError extends PublicError<UploadErrorCode> {
  constructor(code: UploadErrorCode, message: string) {
    super(code, HTTP_STATUS[code], message);
  }
}

/** 413: a file (or the upload as a whole) passed its limit; the partial file is already deleted. */
export class UploadTooLargeError extends UploadError {
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super("TOO_LARGE", message);
  }
}

/** What a client may send: a Node stream (an Express request), a web stream, or any async iterable of bytes. */
export type UploadSource = Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface UploadedFile {
  /** Normalised relative path inside the model folder. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface UploadStagingOptions {
  dataDir: string;
  /** Most bytes one upload may hold, all its files together. Default 40 GiB (as archives). */
  maxUploadBytes?: number;
  /** Most files one upload may hold. Default 1000 (as archives). */
  maxFiles?: number;
}

const ID_PATTERN = /^[0-9a-f]{32}$/;
const TOUCH_EVERY_MS = 60_000;

export class UploadStaging {
  /** `<dataDir>/uploads` */
  readonly root: string;
  readonly maxUploadBytes: number;
  readonly maxFiles: number;

  constructor(options: UploadStagingOptions) {
    this.root = path.join(path.resolve(options.dataDir), "uploads");
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_ARCHIVE_LIMITS.maxTotalBytes;
    this.maxFiles = options.maxFiles ?? DEFAULT_ARCHIVE_LIMITS.maxEntries;
  }

  /** Starts an upload session and returns its id and its (empty) model folder. */
  async createUpload(): Promise<{ id: string; filesDir: string }> {
    await mkdir(this.root, { recursive: true });
    const id = randomBytes(16).toString("hex");
    const dir = path.join(this.root, id);
    await mkdir(dir); // fails if it somehow exists
    await mkdir(path.join(dir, "files"));
    await mkdir(path.join(dir, "tmp"));
    return { id, filesDir: path.join(dir, "files") };
  }

  /** The session folder of `id`; throws BAD_ID for anything that is not 32 lowercase hex digits. */
  uploadDir(id: string): string {
    if (typeof id !== "string" || !ID_PATTERN.test(id))
      throw new UploadError("BAD_ID", "This is not a valid upload id.");
    return path.join(this.root, id);
  }

  /** The model folder being assembled for `id` (what the caller validates and installs). */
  filesDir(id: string): string {
    return path.join(this.uploadDir(id), "files");
  }

  /**
   * Streams one file of a dragged-and-dropped folder into the upload, at `relativePath` (checked
   * with the archive's path rules). Refuses with UploadTooLargeError the moment more than
   * `maxBytes` arrive (or the upload as a whole passes its limit), deleting the partial file.
   * Refuses with CONFLICT if the path is already taken.
   */
  async writeUploadFile(
    id: string,
    relativePath: string,
    source: UploadSource,
    { maxBytes }: { maxBytes: number },
  ): Promise<UploadedFile> {
    const rel = checkedPath(relativePath);
    const dir = await this.existingSession(id);
    const filesDir = path.join(dir, "files");
    const target = resolveInside(filesDir, rel);
    if (await exists(target, rel)) throw new UploadError("CONFLICT", `"${rel}" has already been uploaded.`);
    const usage = await this.usage(dir);
    if (usage.files >= this.maxFiles)
      throw new UploadError("TOO_MANY_FILES", `An upload may hold at most ${this.maxFiles} files.`);

    const written = await this.receive(dir, source, rel, maxBytes, usage.bytes);
    try {
      await mkdir(path.dirname(target), { recursive: true }).catch((error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOTDIR" || code === "EEXIST") throw inFileConflict(rel);
        throw error;
      });
      // The upload as a whole, now that parallel writes may have landed too.
      const after = await this.usage(dir);
      if (after.bytes > this.maxUploadBytes) throw this.uploadTooLarge();
      await commit(written.tmp, target, rel);
    } finally {
      await rm(written.tmp, { force: true });
    }
    await touch(dir);
    return { path: rel, bytes: written.bytes, sha256: written.sha256 };
  }

  /**
   * Receives an archive (zip, tar, tar.gz) for an upload whose model folder is still empty, then
   * unpacks it there (see extractArchive, which strips a single top-level folder). The archive
   * itself is deleted afterwards, whatever happens.
   */
  async receiveArchive(
    id: string,
    source: UploadSource,
    options: { maxBytes: number } & ExtractOptions,
  ): Promise<ExtractedFile[]> {
    const { maxBytes, ...extract } = options;
    const dir = await this.existingSession(id);
    const filesDir = path.join(dir, "files");
    if ((await readdir(filesDir)).length > 0)
      throw new UploadError("CONFLICT", "This upload already has files; start a new upload for an archive.");
    const received = await this.receive(dir, source, "The archive", maxBytes, 0);
    try {
      return await extractArchive(received.tmp, filesDir, {
        ...extract,
        maxTotalBytes: Math.min(extract.maxTotalBytes ?? this.maxUploadBytes, this.maxUploadBytes),
        maxEntries: Math.min(extract.maxEntries ?? this.maxFiles, this.maxFiles),
      });
    } finally {
      await rm(received.tmp, { force: true });
      await touch(dir);
    }
  }

  /** Deletes an upload session and everything in it. Returns false if there was none. */
  async discardUpload(id: string): Promise<boolean> {
    const dir = this.uploadDir(id);
    const aside = path.join(this.root, `.trash-${id}-${randomBytes(4).toString("hex")}`);
    try {
      await rename(dir, aside); // gone at once for everyone; deleting may take a while
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  }

  /** Discards sessions idle for longer than `maxAgeMs` (and leftovers of interrupted discards). Returns their ids. */
  async purgeStaleUploads(maxAgeMs: number, now = Date.now()): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const purged: string[] = [];
    for (const name of names) {
      const full = path.join(this.root, name);
      if (name.startsWith(".trash-")) {
        await rm(full, { recursive: true, force: true });
        continue;
      }
      if (!ID_PATTERN.test(name)) continue; // not ours: left alone
      const stats = await lstat(full).catch(() => undefined);
      if (!stats?.isDirectory() || now - stats.mtimeMs <= maxAgeMs) continue;
      if (await this.discardUpload(name)) purged.push(name);
    }
    return purged;
  }

  // -------------------------------------------------------------------------------------------

  private async existingSession(id: string): Promise<string> {
    const dir = this.uploadDir(id);
    const stats = await lstat(dir).catch(() => undefined);
    if (!stats?.isDirectory()) throw new UploadError("NOT_FOUND", "This upload does not exist (or has expired).");
    await touch(dir);
    return dir;
  }

  private uploadTooLarge(): UploadTooLargeError {
    return new UploadTooLargeError(
      `The upload is larger than the ${formatBytes(this.maxUploadBytes)} allowed in all.`,
      this.maxUploadBytes,
    );
  }

  /** Files and bytes in the session (model folder and partial files alike). */
  private async usage(dir: string): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      files++;
      bytes += (await lstat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
    }
    return { files, bytes };
  }

  /** Streams `source` into a new file in tmp/, within `maxBytes` and the upload's limit. */
  private async receive(
    dir: string,
    source: UploadSource,
    shownName: string,
    maxBytes: number,
    usedBytes: number,
  ): Promise<{ tmp: string; bytes: number; sha256: string }> {
    if (!(maxBytes > 0)) throw new RangeError("writeUploadFile: maxBytes must be positive");
    const shown = shownName === "The archive" ? shownName : `"${shownName}"`;
    const tmp = path.join(dir, "tmp", `${randomBytes(8).toString("hex")}.part`);
    let lastTouch = Date.now();
    const sink = new HashingFileSink(tmp, {
      onChunk: (chunk, before) => {
        const after = before + chunk.length;
        if (after > maxBytes)
          throw new UploadTooLargeError(`${shown} is larger than the ${formatBytes(maxBytes)} allowed.`, maxBytes);
        if (usedBytes + after > this.maxUploadBytes) throw this.uploadTooLarge();
        if (Date.now() - lastTouch > TOUCH_EVERY_MS) {
          lastTouch = Date.now();
          void touch(dir); // a long upload is not stale
        }
      },
    });
    try {
      await pipeline(toReadable(source), sink);
    } catch (error) {
      await sinkClosed(sink);
      await rm(tmp, { force: true });
      throw asUploadError(error);
    }
    return { tmp, bytes: sink.bytes, sha256: sink.sha256 };
  }
}

export function createUploadStaging(options: UploadStagingOptions): UploadStaging {
  return new UploadStaging(options);
}

// ---------------------------------------------------------------------------------------------

function checkedPath(relativePath: string): string {
  try {
    return safeRelativePath(relativePath);
  } catch (error) {
    if (error instanceof ArchiveError) throw new UploadError("BAD_PATH", error.message);
    throw error;
  }
}

function toReadable(source: UploadSource): Readable | AsyncIterable<Uint8Array> {
  if (source instanceof Readable) return source;
  if (typeof (source as ReadableStream<Uint8Array>).getReader === "function")
    // The DOM's ReadableStream type and node:stream/web's describe the same runtime object.
    return Readable.fromWeb(source as unknown as NodeWebReadableStream<Uint8Array>);
  return source as AsyncIterable<Uint8Array>;
}

function asUploadError(error: unknown): unknown {
  if (error instanceof UploadError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === "ENOSPC")
    return new UploadError("NO_SPACE", "The server ran out of disk space while receiving the upload.");
  if (e && typeof e === "object" && "syscall" in e) return error; // a server-side file system problem
  return new UploadError("ABORTED", "The upload was interrupted before the file was complete.");
}

/** Puts the finished file in place without ever replacing one (link fails if the name is taken). */
async function commit(tmp: string, target: string, rel: string): Promise<void> {
  try {
    await link(tmp, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new UploadError("CONFLICT", `"${rel}" has already been uploaded.`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
  }
  // A file system without hard links: check, then rename (a race here could replace a file).
  if (await exists(target, rel)) throw new UploadError("CONFLICT", `"${rel}" has already been uploaded.`);
  await rename(tmp, target);
}

async function exists(p: string, rel: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    if (code === "ENOTDIR") throw inFileConflict(rel);
    throw error;
  }
}

const inFileConflict = (rel: string) =>
  new UploadError("CONFLICT", `"${rel}" is inside a folder that was uploaded as a file.`);

async function touch(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => {});
}
