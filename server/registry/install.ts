// Installing a validated model folder into the model store, and removing one, so that users see a
// model appear or disappear whole: one rename each way.
//
//   storeDir/<modelId>/            an installed model (what the registry lists)
//   storeDir/.incoming/<id>-<hex>  a copy in progress, when the staging folder is on another device
//   storeDir/.trash-<id>-<hex>     a model being deleted (already gone for the registry)
//
// The registry ignores names that start with "." (so do these ids: they start with [a-z0-9]).
import { randomBytes } from "node:crypto";
import { constants as fsc } from "node:fs";
import { copyFile, lstat, mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { isPublicError, PublicError } from "../http-error";
import { isModelId } from "../common/model-id";

export type InstallErrorCode =
  /** The model id is not a slug. */
  | "BAD_MODEL_ID"
  /** A model with that id is already installed. */
  | "ID_TAKEN"
  /** No installed model with that id. */
  | "NOT_FOUND"
  /** The folder to install does not exist (or is not a folder). */
  | "SOURCE_MISSING"
  /** A symlink or special file in a folder that had to be copied. */
  | "UNSUPPORTED_FILE";

const HTTP_STATUS: Record<InstallErrorCode, number> = {
  BAD_MODEL_ID: 400,
  ID_TAKEN: 409,
  NOT_FOUND: 404,
  SOURCE_MISSING: 404,
  UNSUPPORTED_FILE: 400,
};

export class InstallError extends PublicError<InstallErrorCode> {
  constructor(code: InstallErrorCode, message: string) {
    super(code, HTTP_STATUS[code], message);
  }
}

/** The id was already taken: the admin may retry under another id, so the upload is kept. */
export function isModelIdTaken(error: unknown): boolean {
  return isPublicError(error) && error.code === "ID_TAKEN";
}

/** Returns `modelId` if it is a valid model id, else throws BAD_MODEL_ID. */
export function checkModelId(modelId: string): string {
  if (!isModelId(modelId))
    throw new InstallError(
      "BAD_MODEL_ID",
      'A model id uses lowercase letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 128 characters, no "..").',
    );
  return modelId;
}

export interface InstallOptions<T> {
  /** The folder to install (for example an upload's files folder); it is moved, not copied, when it can be. */
  sourceDir: string;
  storeDir: string;
  modelId: string;
  /** Proves the folder is a working model; may throw (its error reaches the caller unchanged). */
  validate: (dir: string) => Promise<T> | T;
  /** For tests: the rename to use (to simulate a staging folder on another device). */
  renameImpl?: typeof rename;
}

export interface InstalledModel<T> {
  modelId: string;
  /** storeDir/modelId */
  dir: string;
  /** What `validate` returned. */
  validation: T;
}

/**
 * Validates `sourceDir` and moves it to `storeDir/modelId` in one rename. On another device the
 * folder is first copied into `storeDir/.incoming/` and renamed from there. Whatever fails, the
 * store is left as it was: a refused id or a taken one changes nothing (the source stays, to retry
 * under another id); a failed validation also deletes the source, which is no use any more.
 */
export async function installModelFolder<T>(options: InstallOptions<T>): Promise<InstalledModel<T>> {
  const modelId = checkModelId(options.modelId);
  const move = options.renameImpl ?? rename;
  const store = path.resolve(options.storeDir);
  const source = path.resolve(options.sourceDir);
  const target = path.join(store, modelId);

  const stats = await lstat(source).catch(() => undefined);
  if (!stats?.isDirectory()) throw new InstallError("SOURCE_MISSING", "The folder to install does not exist.");
  if (await exists(target)) throw taken(modelId);

  let validation: T;
  try {
    validation = await options.validate(source);
  } catch (error) {
    await rm(source, { recursive: true, force: true });
    throw error;
  }

  await mkdir(store, { recursive: true });
  try {
    await move(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") throw taken(modelId);
    if (code !== "EXDEV") throw error;
    await copyThenRename(source, store, modelId, move);
    await rm(source, { recursive: true, force: true });
  }
  return { modelId, dir: target, validation };
}

const taken = (modelId: string) =>
  new InstallError("ID_TAKEN", `A model with the id "${modelId}" is already installed.`);

async function copyThenRename(source: string, store: string, modelId: string, move: typeof rename): Promise<void> {
  const incomingRoot = path.join(store, ".incoming");
  await mkdir(incomingRoot, { recursive: true });
  const incoming = path.join(incomingRoot, `${modelId}-${randomBytes(6).toString("hex")}`);
  try {
    await copyTree(source, incoming);
    await move(incoming, path.join(store, modelId));
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") throw taken(modelId);
    throw error;
  } finally {
    await rmdir(incomingRoot).catch(() => {}); // only when empty: other installs may be copying
  }
}

/** Copies regular files and folders; refuses anything else (a symlink could point anywhere). */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst);
    else if (entry.isFile()) await copyFile(src, dst, fsc.COPYFILE_EXCL);
    else
      throw new InstallError(
        "UNSUPPORTED_FILE",
        `"${entry.name}" is a symbolic link or special file; a model folder may hold only files and folders.`,
      );
  }
}

/**
 * Removes an installed model: renamed to `.trash-…` first (so it disappears at once and whole),
 * then deleted. Throws NOT_FOUND if there is no such model.
 */
export async function removeModelFolder(storeDir: string, modelId: string): Promise<void> {
  checkModelId(modelId);
  const store = path.resolve(storeDir);
  const trash = path.join(store, `.trash-${modelId}-${randomBytes(6).toString("hex")}`);
  try {
    await rename(path.join(store, modelId), trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new InstallError("NOT_FOUND", `There is no installed model "${modelId}".`);
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
}

/**
 * Deletes what interrupted removals and installs left in the store: every `.trash-*` folder, and
 * `.incoming/*` copies older than `incomingMaxAgeMs` (younger ones may belong to an install still
 * running, perhaps on another instance sharing the store). Returns the names removed.
 */
export async function purgeStoreLeftovers(storeDir: string, incomingMaxAgeMs = 24 * 3600_000): Promise<string[]> {
  const store = path.resolve(storeDir);
  const removed: string[] = [];
  const names = await readdir(store).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(".trash-")) continue;
    await rm(path.join(store, name), { recursive: true, force: true });
    removed.push(name);
  }
  const incomingRoot = path.join(store, ".incoming");
  const now = Date.now();
  for (const name of await readdir(incomingRoot).catch(() => [] as string[])) {
    const full = path.join(incomingRoot, name);
    const stats = await lstat(full).catch(() => undefined);
    if (!stats || now - stats.mtimeMs <= incomingMaxAgeMs) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(`.incoming/${name}`);
  }
  await rmdir(incomingRoot).catch(() => {});
  return removed;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
