// What the registry records about a model folder: its kind and architecture, what it declares for
// Loom (tasks, display name), a parameter estimate, and every file with its size and sha256.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { APPS, type AppName } from "../apps";
import { isDedicatedKind, kindServes } from "../apps/model-kinds";
import { HttpError } from "../http-error";
import { readModelFolder, type ModelFolder } from "../inference";

export interface FileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

const loomDeclaration = z.object({
  tasks: z.array(z.enum(APPS)).optional(),
  display_name: z.string().max(100).optional(),
});

/**
 * The applications a folder says it serves (config.json `loom.tasks`), less those its kind cannot
 * serve; a classifier serves sentiment and an extractive summariser Summarise when they say nothing.
 */
export function declaredApps(folder: ModelFolder): AppName[] {
  const parsed = loomDeclaration.safeParse(folder.config.loom ?? {});
  if (parsed.success && parsed.data.tasks) return parsed.data.tasks.filter((app) => kindServes(folder.kind, app));
  if (folder.kind === "classifier") return ["sentiment"];
  // Marian (opus-mt) translates; BART and T5 checkpoints are mostly summarisers.
  if (folder.kind === "seq2seq") return folder.modelType === "marian" ? ["translate"] : ["summarize"];
  return folder.kind === "extractive-summarizer" ? ["summarize"] : [];
}

export function declaredDisplayName(folder: ModelFolder, fallback: string): string {
  const parsed = loomDeclaration.safeParse(folder.config.loom ?? {});
  return (parsed.success && parsed.data.display_name) || fallback;
}

export function architectureOf(folder: ModelFolder): string {
  const architectures = folder.config.architectures;
  return Array.isArray(architectures) && typeof architectures[0] === "string" ? architectures[0] : folder.modelType;
}

/** Exact for LLaMA-style decoders (from config.json); otherwise undefined rather than a guess. */
export function parameterCount(folder: ModelFolder): number | undefined {
  const c = folder.config;
  const d = folder.decoder;
  if (!d || folder.modelType !== "llama" || typeof c.intermediate_size !== "number") return undefined;
  const h = d.hiddenSize;
  const perLayer =
    h * d.numAttentionHeads * d.headDim * 2 + h * d.numKvHeads * d.headDim * 2 + 3 * h * c.intermediate_size + 2 * h;
  const embeddings = d.vocabSize * h * (c.tie_word_embeddings === true ? 1 : 2);
  return embeddings + d.numLayers * perLayer + h;
}

/** An uploaded folder holds plain files and folders only: a symlink could point anywhere. */
export async function refuseSymlinks(dir: string) {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) {
      const relative = path.relative(dir, path.join(entry.parentPath, entry.name));
      throw new HttpError(400, "SYMLINK", `${relative}: symbolic links are not allowed in a model folder.`);
    }
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every regular file under `dir`, hashed while streaming (model files can be gigabytes). */
export async function listFiles(dir: string): Promise<FileEntry[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: FileEntry[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full).split(path.sep).join("/");
    files.push({ path: relative, bytes: (await stat(full)).size, sha256: await sha256File(full) });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * New folders in registration order: the kinds made for one application first (isDedicatedKind),
 * so on a fresh store Summarise's default is the extractive summariser, not the chat model that
 * also declares it. A folder that cannot be read keeps its place; registering it records why.
 */
export async function dedicatedKindsFirst(ids: string[], folderOf: (id: string) => string): Promise<string[]> {
  const dedicated = new Set<string>();
  for (const id of ids) {
    const folder = await readModelFolder(folderOf(id)).catch(() => undefined);
    if (folder && isDedicatedKind(folder.kind)) dedicated.add(id);
  }
  return [...ids.filter((id) => dedicated.has(id)), ...ids.filter((id) => !dedicated.has(id))];
}
