// The model registry: the one place every application asks which model serves it. Rows live in
// the database (models, task_assignments); folders live in the model store (LOOM_MODELS_DIR);
// loaded models live in memory here, one per folder, shared by every application. This file
// composes the parts: validate.ts proves a folder works, assignments.ts says which models serve
// which application, install.ts moves folders in and out of the store.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { wrapLanguageModel } from "ai";
import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { models, appAssignments, type ModelRow } from "../../db/schema";
import { APP_TITLES, type AppName } from "../apps";
import { describeLocalModel, describeRemoteModel, type ModelDescription } from "../apps/model-description";
import { isModelId } from "../common/model-id";
import { HttpError, isPublicError } from "../http-error";
import {
  createLoomLanguageModel,
  loadModel,
  type LoadedCausalLM,
  type LoadedClassifier,
  type LoadedExtractiveSummarizer,
  type LoadedModel,
  type LoadModelOptions,
} from "../inference";
import type { Logger } from "../logger";
import { checkExternalData } from "../uploads/onnx-external-data";
import { createAssignments } from "./assignments";
import { dedicatedKindsFirst, listFiles, refuseSymlinks } from "./folder-info";
import { installModelFolder, removeModelFolder } from "./install";
import { createRemoteModels } from "./remote/remote-models";
import { pacingMiddleware } from "./stream-pacing";
import { validateModelFolder } from "./validate";

/** An application's model as the registry resolves it: its row, the AI SDK model, its description. */
export interface AppModel {
  row: ModelRow;
  model: LanguageModelV3;
  description: ModelDescription;
}

/** A remote generative model serving Sentiment (server/apps/sentiment-remote.ts). */
export interface RemoteSentimentModel extends Omit<AppModel, "row"> {
  kind: "remote";
}

export interface RegistryOptions {
  db: Db;
  modelsDir: string;
  logger: Logger;
  /** Passed to every model load (device, threads, scheduler limits). */
  loadOptions?: Omit<LoadModelOptions, "id" | "logger">;
  /** LOOM_STREAM_DELAY_MS: pause before each streamed delta (see stream-pacing.ts). */
  streamDelayMs?: number;
  /** Seals and opens remote engines' API keys (config.secretKey). */
  secretKey?: string;
}

export function createRegistry({ db, modelsDir, logger, loadOptions, streamDelayMs = 0, secretKey }: RegistryOptions) {
  const remotes = createRemoteModels({ db, secretKey, logger });
  const loaded = new Map<string, Promise<LoadedModel>>();
  /** The loads that have finished: what status() counts without waiting on a load in progress. */
  const ready = new Map<string, LoadedModel>();

  const folderOf = (modelId: string) => path.join(modelsDir, modelId);

  /** Loads a folder and proves it works (validate.ts); measures decode speed on the way. */
  const validateFolder = (dir: string, fallbackName: string) =>
    validateModelFolder(dir, fallbackName, { logger, loadOptions });

  const { modelsForApp, resolve, assignDeclaredDefaults, assign, unassign } = createAssignments({ db, requireModel });

  /**
   * At start: folders in the store that the database does not know are validated and registered
   * (so the shipped defaults appear on a fresh machine); rows whose folder vanished are marked failed.
   */
  async function sync() {
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

  /** Validates a folder already in the store and records it; failures are recorded, not thrown. */
  async function registerFolder(id: string, options: { uploadedBy: string | null; displayName?: string }) {
    const dir = folderOf(id);
    await db
      .insert(models)
      .values({
        id,
        displayName: options.displayName ?? id,
        kind: "causal-lm",
        status: "validating",
        uploadedBy: options.uploadedBy,
      })
      .onConflictDoNothing();
    try {
      const report = await validateFolder(dir, id);
      await db
        .update(models)
        .set({
          displayName: options.displayName ?? report.displayName,
          kind: report.kind,
          architecture: report.architecture,
          parameterCount: report.parameterCount ?? null,
          decodeTokensPerSecond: report.decodeTokensPerSecond ?? null,
          files: await listFiles(dir),
          status: "ready",
          statusReason: null,
        })
        .where(eq(models.id, id));
      await assignDeclaredDefaults(id, report.tasks);
      logger.info("model registered", {
        modelId: id,
        kind: report.kind,
        tokensPerSecond: report.decodeTokensPerSecond,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await db
        .update(models)
        .set({ status: "failed", statusReason: reason.slice(0, 1000) })
        .where(eq(models.id, id));
      logger.warn("model failed validation", { modelId: id, reason });
    }
  }

  /**
   * Installs an uploaded folder: external-data paths checked, validated (load + smoke run), then
   * moved into the store in one rename and recorded as ready. A failure leaves the store as it was.
   */
  async function installUploaded(
    sourceDir: string,
    input: { modelId: string; displayName?: string; uploadedBy: string | null },
  ) {
    const { validation } = await installModelFolder({
      sourceDir,
      storeDir: modelsDir,
      modelId: input.modelId,
      validate: async (dir) => {
        await checkExternalData(dir);
        await refuseSymlinks(dir);
        try {
          return await validateFolder(dir, input.modelId);
        } catch (error) {
          // Typed folder errors already name the file; anything else (ORT refusing the graph, a
          // failed smoke run) is still the model's fault, not the server's: say so with a 422.
          if (isPublicError(error)) throw error;
          throw new HttpError(422, "VALIDATION_FAILED", `The model failed validation: ${(error as Error).message}`);
        }
      },
    });
    const [row] = await db
      .insert(models)
      .values({
        id: input.modelId,
        displayName: input.displayName || validation.displayName,
        kind: validation.kind,
        architecture: validation.architecture,
        parameterCount: validation.parameterCount ?? null,
        decodeTokensPerSecond: validation.decodeTokensPerSecond ?? null,
        files: await listFiles(folderOf(input.modelId)),
        status: "ready",
        uploadedBy: input.uploadedBy,
      })
      .onConflictDoUpdate({
        target: models.id,
        set: { status: "ready", statusReason: null, kind: validation.kind, architecture: validation.architecture },
      })
      .returning();
    logger.info("model installed", { modelId: input.modelId, kind: validation.kind });
    return { row: row!, declaredApps: validation.tasks };
  }

  /** Loads on first use; concurrent callers share one load. A failed load is not cached. */
  function load(modelId: string): Promise<LoadedModel> {
    let model = loaded.get(modelId);
    if (!model) {
      model = loadModel(folderOf(modelId), { ...loadOptions, id: modelId, logger });
      loaded.set(modelId, model);
      const pending = model;
      pending.then(
        (m) => {
          if (loaded.get(modelId) === pending) ready.set(modelId, m); // not unloaded meanwhile
        },
        () => loaded.delete(modelId),
      );
    }
    return model;
  }

  /** Unloads from memory; a causal LM first finishes what it is generating. */
  async function unload(modelId: string) {
    const model = loaded.get(modelId);
    if (!model) return;
    loaded.delete(modelId);
    ready.delete(modelId);
    const m = await model.catch(() => undefined);
    if (m?.kind === "causal-lm") {
      while (m.stats().active + m.stats().waiting > 0) await new Promise((r) => setTimeout(r, 100));
    }
    await m?.dispose();
  }

  /** A local causal LM's engine (a remote model has none: 409). */
  async function causalLM(app: AppName, requested?: string): Promise<{ row: ModelRow; model: LoadedCausalLM }> {
    const row = await resolve(app, requested);
    if (row.source === "remote")
      throw new HttpError(
        409,
        "REMOTE_MODEL",
        `${row.displayName} is a remote engine: it has no local engine to load.`,
      );
    const model = await load(row.id);
    if (model.kind !== "causal-lm")
      throw new HttpError(
        409,
        "WRONG_MODEL_KIND",
        `Model "${row.id}" is a ${model.kind}; ${APP_TITLES[app]} needs a language model.`,
      );
    return { row, model };
  }

  /**
   * The AI SDK model for an application, ready for streamText, local or remote, with the
   * description the tasks fit their prompts to (server/apps/model-description.ts).
   */
  async function languageModel(app: AppName, requested?: string): Promise<AppModel> {
    const row = await resolve(app, requested);
    if (row.source === "remote") return remoteModel(row);
    const { model } = await causalLM(app, row.id);
    return {
      row,
      model: paced(createLoomLanguageModel(model, { modelId: row.id })),
      description: describeLocalModel(model, row.displayName),
    };
  }

  function remoteModel(row: ModelRow): AppModel {
    const model = remotes.clientFor(row).model;
    return { row, model: paced(model), description: describeRemoteModel(row, row.remote!) };
  }

  const paced = (model: LanguageModelV3) =>
    streamDelayMs > 0 ? wrapLanguageModel({ model, middleware: pacingMiddleware(streamDelayMs) }) : model;

  /** The sentiment model: a classifier, a local language model (zero-shot scoring), or a remote one (a label in words). */
  async function sentimentModel(
    requested?: string,
  ): Promise<{ row: ModelRow; model: LoadedClassifier | LoadedCausalLM | RemoteSentimentModel }> {
    const row = await resolve("sentiment", requested);
    if (row.source === "remote") return { row, model: { kind: "remote", ...remoteModel(row) } };
    const model = await load(row.id);
    if (model.kind === "extractive-summarizer")
      throw new HttpError(
        409,
        "WRONG_MODEL_KIND",
        `Model "${row.id}" is an extractive summariser, not a sentiment model.`,
      );
    return { row, model };
  }

  /** Summarise's model when it is an extractive summariser; undefined when it is a language model. */
  async function extractiveSummarizer(
    requested?: string,
  ): Promise<{ row: ModelRow; model: LoadedExtractiveSummarizer } | undefined> {
    const row = await resolve("summarize", requested);
    if (row.kind !== "extractive-summarizer") return undefined;
    const model = await load(row.id);
    if (model.kind !== "extractive-summarizer")
      throw new HttpError(
        409,
        "WRONG_MODEL_KIND",
        `Model "${row.id}" is a ${model.kind}, not an extractive summariser.`,
      );
    return { row, model };
  }

  async function listModels() {
    const rows = await db.select().from(models).orderBy(asc(models.id));
    const assignments = await db.select().from(appAssignments);
    return Promise.all(
      rows.map(async (row) => {
        const model = loaded.has(row.id) ? await loaded.get(row.id)!.catch(() => undefined) : undefined;
        return {
          ...row,
          assignments: assignments
            .filter((a) => a.modelId === row.id)
            .map((a) => ({ app: a.app, isDefault: a.isDefault })),
          loaded: Boolean(model),
          device: model?.device,
          deviceFallback: model?.fallbackReason,
          load:
            model?.kind === "causal-lm" ? { active: model.stats().active, waiting: model.stats().waiting } : undefined,
          health: row.source === "remote" ? remotes.health.of(row.id) : undefined,
        };
      }),
    );
  }

  /** One model's row, or undefined. */
  async function getModel(modelId: string): Promise<ModelRow | undefined> {
    const [row] = await db.select().from(models).where(eq(models.id, modelId));
    return row;
  }

  async function requireModel(modelId: string) {
    const [row] = await db.select().from(models).where(eq(models.id, modelId));
    if (!row) throw new HttpError(404, "MODEL_NOT_FOUND", `There is no model "${modelId}".`);
    return row;
  }

  async function rename(modelId: string, displayName: string) {
    await requireModel(modelId);
    await db.update(models).set({ displayName }).where(eq(models.id, modelId));
  }

  /** Refused while any application uses the model; otherwise unload, delete the row, then the folder. */
  async function remove(modelId: string) {
    await requireModel(modelId);
    const [{ n } = { n: 0 }] = await db
      .select({ n: count() })
      .from(appAssignments)
      .where(eq(appAssignments.modelId, modelId));
    if (n > 0)
      throw new HttpError(
        409,
        "MODEL_IN_USE",
        `Model "${modelId}" is assigned to ${n} application(s); unassign it first.`,
      );
    await unload(modelId);
    remotes.forget(modelId);
    await db.delete(models).where(eq(models.id, modelId));
    if (existsSync(folderOf(modelId))) await removeModelFolder(modelsDir, modelId);
  }

  /** Counts by status, for /healthz and the admin overview; `generating` sums the decode slots. */
  async function status() {
    // The engines' counts first: a snapshot of the moment status() was called, not of whenever the
    // database answered (a decode slot can be taken and freed within one round trip).
    const generating = { active: 0, waiting: 0 };
    for (const model of ready.values()) {
      if (model.kind !== "causal-lm") continue;
      const { active, waiting } = model.stats();
      generating.active += active;
      generating.waiting += waiting;
    }
    const rows = await db.select({ status: models.status, n: count() }).from(models).groupBy(models.status);
    const [assigned] = await db.select({ n: count() }).from(appAssignments);
    return {
      models: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      assignments: assigned?.n ?? 0,
      loaded: loaded.size,
      generating,
      // Cached by the periodic check (remote/remote-health.ts): never waits on a remote.
      remotes: remotes.health.snapshot(),
    };
  }

  async function close() {
    remotes.health.stop();
    await Promise.all([...loaded.keys()].map(unload));
  }

  return {
    modelsDir,
    folderOf,
    sync,
    validateFolder,
    registerFolder,
    installUploaded,
    modelsForApp,
    resolve,
    load,
    unload,
    languageModel,
    endpointModel: languageModel,
    addRemote: remotes.add,
    /** Starts the remotes' periodic health check (at server start). */
    watchRemotes: () => remotes.health.start(),
    checkRemotes: () => remotes.health.check(),
    testRemote: remotes.test,
    causalLM,
    sentimentModel,
    extractiveSummarizer,
    listModels,
    getModel,
    assign,
    unassign,
    rename,
    remove,
    status,
    close,
  };
}

export type Registry = ReturnType<typeof createRegistry>;
