// The model registry: the one place every application asks which model serves it. Rows live in
// the database (models, task_assignments); folders live in the model store (LOOM_MODELS_DIR);
// loaded models live in memory (loaded-models.ts), one per folder, shared by every application.
// This file composes the parts: validate.ts proves a folder works, assignments.ts says which
// models serve which application, install.ts moves folders in and out of the store. Rows and
// assignments are read on every request (never cached), so several servers on one database agree;
// what each holds in memory follows the rows' revisions (model-changes.ts).
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { wrapLanguageModel } from "ai";
import { asc, count, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { models, appAssignments, type ModelRow } from "../../db/schema";
import { APP_TITLES, type AppName } from "../apps";
import { kindServes } from "../apps/model-kinds";
import { describeLocalModel, describeRemoteModel, type ModelDescription } from "../apps/model-description";
import { HttpError, isPublicError } from "../http-error";
import {
  createLoomLanguageModel,
  type LoadedCausalLM,
  type LoadedClassifier,
  type LoadedExtractiveSummarizer,
  type LoadedGenerator,
  type LoadedModel,
  type LoadModelOptions,
} from "../inference";
import type { Logger } from "../logger";
import { checkExternalData } from "../uploads/onnx-external-data";
import { createAssignments } from "./assignments";
import { listFiles, refuseSymlinks } from "./folder-info";
import { installModelFolder, removeModelFolder } from "./install";
import { createLoadedModels } from "./loaded-models";
import { announceModelChange } from "./model-changes";
import { createRemoteModels } from "./remote/remote-models";
import { syncStore } from "./store-sync";
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
  const folderOf = (modelId: string) => path.join(modelsDir, modelId);
  const loaded = createLoadedModels({ folderOf, logger, loadOptions });
  const announce = (modelId: string) => announceModelChange(db, modelId, logger);

  /** Loads a folder and proves it works (validate.ts); measures decode speed on the way. */
  const validateFolder = (dir: string, fallbackName: string) =>
    validateModelFolder(dir, fallbackName, { logger, loadOptions });

  const { modelsForApp, resolve, assignDeclaredDefaults, assign, unassign } = createAssignments({ db, requireModel });

  /** At start: the store's new folders registered, rows whose folder vanished marked failed. */
  const sync = () => syncStore({ db, modelsDir, logger, registerFolder });

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
          revision: randomUUID(), // the folder may be another than a copy some server holds
        })
        .where(eq(models.id, id));
      await assignDeclaredDefaults(id, report.tasks);
      await announce(id);
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
        set: {
          status: "ready",
          statusReason: null,
          kind: validation.kind,
          architecture: validation.architecture,
          revision: randomUUID(),
        },
      })
      .returning();
    await announce(input.modelId);
    logger.info("model installed", { modelId: input.modelId, kind: validation.kind });
    return { row: row!, declaredApps: validation.tasks };
  }

  /** The loaded copy of a model (Admin's "Load"); the row says which revision. */
  async function load(modelId: string): Promise<LoadedModel> {
    return loaded.load(await requireModel(modelId));
  }

  /** Unloads from memory; a causal LM first finishes what it is generating. */
  const unload = (modelId: string) => loaded.unload(modelId);

  /**
   * Drops the loaded copies and remote clients whose rows another server removed or replaced
   * (model-changes.ts runs it); returns the ids unloaded.
   */
  async function dropStale(): Promise<string[]> {
    const held = [...new Set([...loaded.ids(), ...remotes.ids()])];
    if (held.length === 0) return [];
    const rows = await db
      .select({ id: models.id, revision: models.revision })
      .from(models)
      .where(inArray(models.id, held));
    const current = new Map(rows.map((r) => [r.id, r.revision]));
    remotes.dropStale(current);
    return loaded.dropStale(current);
  }

  /** A local causal LM's engine (a remote model has none: 409). */
  async function causalLM(app: AppName, requested?: string): Promise<{ row: ModelRow; model: LoadedCausalLM }> {
    const row = await resolve(app, requested);
    return { row, model: await engineOf(app, row) };
  }

  /** The loaded engine of a resolved row (resolved once per request: decision 034); with
   * `generators`, an encoder-decoder too, for the apps its kind serves. */
  async function engineOf(app: AppName, row: ModelRow): Promise<LoadedCausalLM>;
  async function engineOf(app: AppName, row: ModelRow, generators: true): Promise<LoadedGenerator>;
  async function engineOf(app: AppName, row: ModelRow, generators = false): Promise<LoadedGenerator> {
    if (row.source === "remote")
      throw new HttpError(
        409,
        "REMOTE_MODEL",
        `${row.displayName} is a remote engine: it has no local engine to load.`,
      );
    const model = await loaded.load(row);
    if (generators && model.kind === "seq2seq" && kindServes(model.kind, app)) return model;
    if (model.kind !== "causal-lm")
      throw new HttpError(
        409,
        "WRONG_MODEL_KIND",
        `Model "${row.id}" is a ${model.kind}; ${APP_TITLES[app]} needs a language model.`,
      );
    return model;
  }

  /**
   * The AI SDK model for an application, ready for streamText, local or remote, with the
   * description the tasks fit their prompts to (server/apps/model-description.ts).
   */
  async function languageModel(app: AppName, requested?: string): Promise<AppModel> {
    const row = await resolve(app, requested);
    if (row.source === "remote") return remoteModel(row);
    const model = await engineOf(app, row, true);
    return {
      row,
      // The app is the request's queue group: the engine shares its slots fairly between apps.
      model: paced(createLoomLanguageModel(model, { modelId: row.id, queueGroup: app })),
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
    const model = await loaded.load(row);
    if (model.kind === "extractive-summarizer" || model.kind === "seq2seq")
      throw new HttpError(
        409,
        "WRONG_MODEL_KIND",
        `Model "${row.id}" is ${model.kind === "seq2seq" ? "an encoder-decoder" : "an extractive summariser"}, not a sentiment model.`,
      );
    return { row, model };
  }

  /** Summarise's model when it is an extractive summariser; undefined when it is a language model. */
  async function extractiveSummarizer(
    requested?: string,
  ): Promise<{ row: ModelRow; model: LoadedExtractiveSummarizer } | undefined> {
    const row = await resolve("summarize", requested);
    if (row.kind !== "extractive-summarizer") return undefined;
    const model = await loaded.load(row);
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
        const model = await loaded.settled(row.id);
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
    await announce(modelId);
  }

  /** Counts by status, for /healthz and the admin overview; `generating` sums the decode slots. */
  async function status() {
    // The engines' counts first: a snapshot of the moment status() was called, not of whenever the
    // database answered (a decode slot can be taken and freed within one round trip).
    const generating = { active: 0, waiting: 0 };
    for (const model of loaded.ready()) {
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
    await loaded.close();
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
    dropStale,
    languageModel,
    endpointModel: languageModel,
    async addRemote(...args: Parameters<typeof remotes.add>) {
      const added = await remotes.add(...args);
      await announce(added.row.id);
      return added;
    },
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
