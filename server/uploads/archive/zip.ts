// Reading a zip (yauzl: central directory, lazy entries, streamed inflation). Only files and
// folders, stored or deflated and unencrypted, are accepted: links, devices and other compression
// methods are refused. Names are decoded here, not by yauzl, so the path rule sees them as they
// are stored. An entry's compression ratio is checked from the central directory before it is
// inflated, and its length and CRC-32 once it is written, so a damaged or forged entry is refused
// rather than kept.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import yauzl from "yauzl";
import { ArchiveError } from "./errors";
import type { ExtractedFile, ExtractOptions } from "./extract";
import { HashingFileSink, sinkClosed } from "./file-sink";
import { ratioTooHigh, tooManyEntries, WriteBudget, type ArchiveLimits } from "./limits";
import type { EntryKind, EntryPlan } from "./plan";
import { displayName, resolveInside } from "./safe-path";

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

export async function extractZip(
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
