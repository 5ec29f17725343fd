// At start: folders in the store that the database does not know are validated and registered
// (so the shipped defaults appear on a fresh machine); rows whose folder vanished are marked failed.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { models } from "../../db/schema";
import { isModelId } from "../common/model-id";
import { dedicatedKindsFirst } from "./folder-info";
import type { Logger } from "../logger";

export interface StoreSyncOptions {
  db: Db;
  modelsDir: string;
  logger: Logger;
  /** Validates a folder and records it (the registry's); failures are recorded, not thrown. */
  registerFolder: (id: string, options: { uploadedBy: string | null }) => Promise<void>;
}

export async function syncStore({ db, modelsDir, logger, registerFolder }: StoreSyncOptions) {
  const folderOf = (id: string) => path.join(modelsDir, id);
  const rows = new Map((await db.select().from(models)).map((r) => [r.id, r]));
  const folders = existsSync(modelsDir)
    ? (await readdir(modelsDir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !e.name.startsWith("."))
        .map((e) => e.name)
    : [];
  for (const id of await dedicatedKindsFirst(
    folders.filter((f) => !rows.has(f)),
    folderOf,
  )) {
    if (!isModelId(id)) {
      logger.warn("model folder ignored: its name is not a valid model id", { folder: id });
      continue;
    }
    await registerFolder(id, { uploadedBy: null });
  }
  for (const [id, row] of rows) {
    if (row.source === "remote") continue; // no folder: an endpoint
    if (!folders.includes(id) && row.status === "ready") {
      await db
        .update(models)
        .set({ status: "failed", statusReason: `Folder ${folderOf(id)} is missing.` })
        .where(eq(models.id, id));
      logger.warn("model folder missing", { modelId: id });
    }
  }
}
