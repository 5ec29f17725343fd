// extractArchive, the one way in. It guards the destination: it must be absent or an empty folder,
// and on any failure everything written so far is deleted, so it is left as it was found. The
// format is told by content (detect-format.ts), each reader checks every entry through the plan
// and writes through a byte budget, and errors that are not refusals become CORRUPT, except the
// file system's own (a full disk is NO_SPACE) and the caller's mistakes.
//
// A single top-level folder is stripped: zipping a folder "my-model/" (the usual way to archive a
// model) gives entries "my-model/config.json", "my-model/onnx/model.onnx" …; they are extracted as
// "config.json", "onnx/model.onnx" … so config.json lands at the root. The rule: if every entry
// lives under one and the same top-level folder, that folder level is removed.
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { detectFormat } from "./detect-format";
import { ArchiveError } from "./errors";
import { limitsWith, type ArchiveLimits } from "./limits";
import { EntryPlan } from "./plan";
import { extractTar } from "./tar";
import { extractZip } from "./zip";

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
  const limits = limitsWith(given);
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
