// What the admin chose to upload: one archive, or a model folder's files (from a drop or a
// directory picker), with the clutter a copied folder brings along left out. Browser APIs only,
// no React.

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

/** The name of a drop of several files and folders (no folder name to suggest an id from). */
export const DROPPED_FILES = "the dropped files";

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
  // config.json for the Hugging Face / Optimum layout, genai_config.json for onnxruntime-genai's.
  if (!files.some((f) => f.path === "config.json" || f.path === "genai_config.json")) {
    throw new Error(
      `“${name}” has no config.json (or genai_config.json) at its top level. Choose the model folder itself (the one holding config.json, tokenizer.json and onnx/).`,
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
  return folderSelection(DROPPED_FILES, out);
}
