// The browser half of a model upload: what the admin chose (one archive, or a folder's files from a
// drop or a directory picker), and sending it to the upload API with XMLHttpRequest so the bytes
// can be counted. Files are always sent as they are (xhr.send(file)): the browser streams them
// from disk, so a model of many gigabytes never sits in memory.
import { useId, useRef, useState } from "react";
import { formatBytes } from "../../server/common/format";
import { isModelId } from "../../server/common/model-id";
import { FileButton, formatCount } from "./ui";

export interface FolderFile {
  file: File;
  /** Path inside the model folder ("onnx/model.onnx"): the dropped folder's own name stripped. */
  path: string;
}

export type Selection =
  | { kind: "archive"; name: string; file: File; bytes: number }
  | { kind: "folder"; name: string; files: FolderFile[]; bytes: number; skipped: string[] };

export const ARCHIVE_PATTERN = /\.(zip|tar|tar\.gz|tgz)$/i;
export const ARCHIVE_ACCEPT = ".zip,.tar,.tar.gz,.tgz,application/zip,application/x-tar,application/gzip";

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

/** Clutter a copied folder brings along that is never part of a model (a .git folder can double the size). */
const SKIPPED_SEGMENTS = new Set([".git", "__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints"]);

function folderSelection(name: string, all: FolderFile[]): Selection {
  const files: FolderFile[] = [];
  const skipped: string[] = [];
  for (const f of all) {
    if (f.path.split("/").some((segment) => SKIPPED_SEGMENTS.has(segment))) skipped.push(f.path);
    else files.push(f);
  }
  if (files.length === 0) throw new Error("This folder has no files to upload.");
  if (!files.some((f) => f.path === "config.json")) {
    throw new Error(
      `“${name}” has no config.json at its top level. Choose the model folder itself (the one holding config.json, tokenizer.json and onnx/).`,
    );
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { kind: "folder", name, files, bytes: files.reduce((n, f) => n + f.file.size, 0), skipped };
}

function archiveSelection(file: File): Selection {
  if (!ARCHIVE_PATTERN.test(file.name)) {
    throw new Error(
      `“${file.name}” is not an archive. Choose a .zip, .tar, .tar.gz or .tgz file, or the model folder itself.`,
    );
  }
  return { kind: "archive", name: file.name, file, bytes: file.size };
}

/** From `<input type=file>` (one archive). */
export function selectionFromArchiveInput(files: File[]): Selection | undefined {
  const file = files[0];
  return file ? archiveSelection(file) : undefined;
}

/** From `<input type=file webkitdirectory>`: paths are "top/onnx/model.onnx"; "top/" is stripped. */
export function selectionFromFolderInput(list: File[]): Selection | undefined {
  if (list.length === 0) return undefined;
  const top = list[0]!.webkitRelativePath.split("/")[0] ?? "folder";
  return folderSelection(
    top,
    list.map((file) => ({ file, path: file.webkitRelativePath.split("/").slice(1).join("/") || file.name })),
  );
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    // readEntries answers in batches (100 in Chromium) until it answers an empty one.
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

async function walk(entry: FileSystemEntry, prefix: string, out: FolderFile[]) {
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), path: prefix + entry.name });
  } else if (entry.isDirectory) {
    if (SKIPPED_SEGMENTS.has(entry.name)) return; // not even walked: .git can hold thousands of files
    for (const child of await readEntries((entry as FileSystemDirectoryEntry).createReader())) {
      await walk(child, `${prefix}${entry.name}/`, out);
    }
  }
}

/**
 * What was dropped: one folder (its name stripped from the paths), one archive, or several files
 * and folders (taken as the contents of a model folder). The entries are taken synchronously,
 * as the DataTransfer empties once the drop event returns.
 */
export async function selectionFromDrop(dataTransfer: DataTransfer): Promise<Selection | undefined> {
  const entries = [...dataTransfer.items]
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry !== null);
  const files = [...dataTransfer.files];
  if (entries.length === 0) {
    if (files.length === 0) return undefined;
    if (files.length === 1) return archiveSelection(files[0]!);
    throw new Error("Drop one archive or one model folder.");
  }
  if (entries.length === 1 && entries[0]!.isFile) {
    const file = files[0] ?? (await fileOf(entries[0] as FileSystemFileEntry));
    return archiveSelection(file);
  }
  if (entries.length === 1) {
    const dir = entries[0] as FileSystemDirectoryEntry;
    const out: FolderFile[] = [];
    for (const child of await readEntries(dir.createReader())) await walk(child, "", out);
    return folderSelection(dir.name, out);
  }
  if (entries.every((e) => e.isFile) && entries.some((e) => ARCHIVE_PATTERN.test(e.name))) {
    throw new Error("Drop one archive at a time.");
  }
  const out: FolderFile[] = [];
  for (const entry of entries) await walk(entry, "", out);
  return folderSelection("the dropped files", out);
}

// ---------------------------------------------------------------------------------------------
// Sending

export class UploadFailure extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = "UploadFailure";
  }
}

function errorOf(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: unknown };
    if (typeof body.error === "string" && body.error) return body.error;
  } catch {
    // not JSON: a proxy's page, or an empty body
  }
  if (xhr.status === 413) return "The server refused the upload as too large.";
  return `The server refused the upload (HTTP ${xhr.status}).`;
}

/** PUTs one Blob as the raw request body, reporting bytes sent. */
function putBlob(url: string, body: Blob, onProgress: (sent: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UploadFailure("The upload was cancelled.", 0, true));
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      signal.removeEventListener("abort", abort);
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new UploadFailure(errorOf(xhr), xhr.status));
    };
    xhr.onerror = () => {
      signal.removeEventListener("abort", abort);
      reject(
        new UploadFailure(
          "The connection to the server broke off during the upload (the server may have refused it). Try again.",
        ),
      );
    };
    xhr.onabort = () => reject(new UploadFailure("The upload was cancelled.", 0, true));
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort);
    xhr.send(body);
  });
}

async function jsonOrError(response: Response): Promise<{ error?: string } & Record<string, unknown>> {
  try {
    return (await response.json()) as { error?: string };
  } catch {
    return { error: `The server answered HTTP ${response.status}.` };
  }
}

/** Starts an upload session; its id and the most bytes one upload may hold. */
export async function createUpload(): Promise<{ id: string; maxBytes: number }> {
  const response = await fetch("/api/admin/uploads", { method: "POST" });
  const body = await jsonOrError(response);
  if (!response.ok) throw new UploadFailure(body.error ?? "Could not start the upload.", response.status);
  return body as unknown as { id: string; maxBytes: number };
}

/** Sends the archive, or each file of the folder in turn; `onProgress` gets bytes sent of them all. */
export async function sendSelection(
  uploadId: string,
  selection: Selection,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
) {
  const base = `/api/admin/uploads/${encodeURIComponent(uploadId)}`;
  if (selection.kind === "archive") {
    await putBlob(`${base}/archive`, selection.file, onProgress, signal);
    onProgress(selection.bytes);
    return;
  }
  let done = 0;
  for (const { file, path } of selection.files) {
    try {
      await putBlob(`${base}/files?path=${encodeURIComponent(path)}`, file, (sent) => onProgress(done + sent), signal);
    } catch (error) {
      if (error instanceof UploadFailure && !error.cancelled && !error.message.includes(path)) {
        throw new UploadFailure(`${path}: ${error.message}`, error.status);
      }
      throw error;
    }
    done += file.size;
    onProgress(done);
  }
}

export type InstallOutcome =
  { ok: true; model: { id: string; displayName: string; kind: string } } | { ok: false; status: number; error: string };

/** Validates and installs the upload (the server loads the model and runs a test generation). */
export async function installUpload(
  uploadId: string,
  input: { modelId: string; displayName?: string },
): Promise<InstallOutcome> {
  const response = await fetch(`/api/admin/uploads/${encodeURIComponent(uploadId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ modelId: input.modelId, displayName: input.displayName || undefined }),
  });
  const body = await jsonOrError(response);
  if (response.status === 201)
    return { ok: true, model: body.model as { id: string; displayName: string; kind: string } };
  return { ok: false, status: response.status, error: body.error ?? `The server answered HTTP ${response.status}.` };
}

/** Best effort: the server also purges abandoned uploads after a day. */
export function discardUpload(uploadId: string) {
  void fetch(`/api/admin/uploads/${encodeURIComponent(uploadId)}`, { method: "DELETE" }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// The drop zone

/** Drag-and-drop target with an archive picker and a folder picker; reports a selection or a problem. */
export function DropZone({
  disabled,
  onSelect,
  onProblem,
}: {
  disabled?: boolean;
  onSelect: (selection: Selection) => void;
  onProblem: (message: string) => void;
}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hintId = useId();

  const take = (get: () => Selection | undefined | Promise<Selection | undefined>) => {
    Promise.resolve()
      .then(get)
      .then((selection) => selection && onSelect(selection))
      .catch((error: unknown) => onProblem(error instanceof Error ? error.message : String(error)));
  };

  return (
    <div
      onDragEnter={(e) => {
        if (disabled) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        // Always handled: an unhandled drop would make the browser open the file instead.
        e.preventDefault();
        e.dataTransfer.dropEffect = disabled ? "none" : "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        if (disabled) return;
        // selectionFromDrop reads the entries before its first await, while the event is live.
        const pending = selectionFromDrop(e.dataTransfer);
        take(() => pending);
      }}
      data-testid="drop-zone"
      className={`rounded-lg border-2 border-dashed px-4 py-8 text-center transition-colors ${
        over
          ? "border-brand-500 bg-brand-500/10"
          : "border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900/50"
      } ${disabled ? "opacity-60" : ""}`}
    >
      <p className="font-medium">Drop a model folder or an archive here</p>
      <p id={hintId} className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        A Hugging Face / Optimum ONNX folder (config.json, tokenizer.json, onnx/model.onnx), or the same as a .zip,
        .tar, .tar.gz or .tgz.
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-2">
        <FileButton
          accept={ARCHIVE_ACCEPT}
          disabled={disabled}
          aria-describedby={hintId}
          onFiles={(files) => take(() => selectionFromArchiveInput(files))}
        >
          Choose an archive…
        </FileButton>
        <FileButton
          multiple
          disabled={disabled}
          aria-describedby={hintId}
          // Not in React's types: the directory picker (every browser supports the webkit name).
          {...({ webkitdirectory: "", directory: "" } as React.InputHTMLAttributes<HTMLInputElement>)}
          onFiles={(files) => take(() => selectionFromFolderInput(files))}
        >
          Choose a folder…
        </FileButton>
      </div>
    </div>
  );
}

/** What was chosen, in a line, with the folder's files behind a disclosure. */
export function SelectionSummary({ selection }: { selection: Selection }) {
  if (selection.kind === "archive") {
    return (
      <p className="text-sm">
        <span className="font-medium break-all">{selection.name}</span>{" "}
        <span className="text-slate-600 dark:text-slate-400">— archive, {formatBytes(selection.bytes)}</span>
      </p>
    );
  }
  return (
    <div className="text-sm">
      <p>
        <span className="font-medium break-all">{selection.name}</span>{" "}
        <span className="text-slate-600 dark:text-slate-400">
          — folder, {formatCount(selection.files.length)} {selection.files.length === 1 ? "file" : "files"},{" "}
          {formatBytes(selection.bytes)}
        </span>
      </p>
      {selection.skipped.length > 0 && (
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          Left out {formatCount(selection.skipped.length)} files that are not part of a model (.git, .DS_Store…).
        </p>
      )}
      <details className="mt-1">
        <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Files</summary>
        <ul className="mt-1 max-h-48 overflow-auto rounded border border-slate-200 p-2 font-mono text-xs dark:border-slate-800">
          {selection.files.map((f) => (
            <li key={f.path} className="flex justify-between gap-4">
              <span className="break-all">{f.path}</span>
              <span className="shrink-0 text-slate-500">{formatBytes(f.file.size)}</span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
