// Reading a tar or tar.gz (node-tar's streaming Parser; every decision about entries is taken
// here, none is left to node-tar's own sanitising). Only regular files and folders are accepted:
// links, devices, fifos, unknown types and oversized metadata are refused. The tar stream itself
// is bounded and its compression ratio checked, so a gzip bomb of padding or metadata is stopped
// even though it writes no file; compression inside the compression is refused, and nothing after
// the archive's end marker is read.
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { ArchiveError } from "./errors";
import type { ExtractedFile, ExtractOptions } from "./extract";
import { HashingFileSink, IO_CHUNK_BYTES, sinkClosed } from "./file-sink";
import { ratioTooHigh, totalTooLarge, WriteBudget, type ArchiveLimits } from "./limits";
import type { EntryKind, EntryPlan } from "./plan";
import { displayName, resolveInside } from "./safe-path";

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

export async function extractTar(
  archivePath: string,
  destDir: string,
  plan: EntryPlan,
  limits: ArchiveLimits,
  gzip: boolean,
  onProgress: ExtractOptions["onProgress"],
): Promise<ExtractedFile[]> {
  const source = createReadStream(archivePath, { highWaterMark: IO_CHUNK_BYTES });
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
    highWaterMark: IO_CHUNK_BYTES,
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
