// The models in memory: one loaded copy per model, shared by every application, tagged with the
// row's revision it was loaded from. Several servers share one database and one model store, so a
// model may be replaced or removed through another server: a copy of an older revision is never
// handed out again (load compares it with the row just read) and is dropped when a sweep finds
// its row changed or gone (dropStale; server/registry/model-changes.ts says when).
import { loadModel, type LoadedModel, type LoadModelOptions } from "../inference";
import type { Logger } from "../logger";

/** What a row says about the copy to load. */
export interface ModelRevision {
  id: string;
  revision: string;
}

export interface LoadedModelsOptions {
  folderOf: (modelId: string) => string;
  logger: Logger;
  loadOptions?: Omit<LoadModelOptions, "id" | "logger">;
}

export function createLoadedModels({ folderOf, logger, loadOptions }: LoadedModelsOptions) {
  const loading = new Map<string, { revision: string; model: Promise<LoadedModel> }>();
  /** The loads that have finished: what status() counts without waiting on a load in progress. */
  const ready = new Map<string, LoadedModel>();

  /**
   * The copy of this revision, loaded on first use; concurrent callers share one load. A copy of
   * another revision is unloaded (it finishes what it generates) and the folder loaded again. A
   * failed load is not cached.
   */
  function load({ id, revision }: ModelRevision): Promise<LoadedModel> {
    const held = loading.get(id);
    if (held?.revision === revision) return held.model;
    if (held) {
      logger.info("model changed since it was loaded: loading it again", { modelId: id });
      void unload(id);
    }
    const model = loadModel(folderOf(id), { ...loadOptions, id, logger });
    const entry = { revision, model };
    loading.set(id, entry);
    model.then(
      (m) => {
        if (loading.get(id) === entry) ready.set(id, m); // not unloaded meanwhile
        // Which ONNX file of the folder runs, and why (variants.ts: device order or loom.onnx_variant).
        logger.info("model loaded", {
          modelId: id,
          device: m.device,
          file: m.folder.onnxFile,
          variant: m.folder.variant,
          reason: m.folder.variantReason,
        });
      },
      () => {
        if (loading.get(id) === entry) loading.delete(id);
      },
    );
    return model;
  }

  /** Unloads from memory; a causal LM first finishes what it is generating. */
  async function unload(modelId: string) {
    const held = loading.get(modelId);
    if (!held) return;
    loading.delete(modelId);
    ready.delete(modelId);
    const m = await held.model.catch(() => undefined);
    if (m?.kind === "causal-lm") {
      while (m.stats().active + m.stats().waiting > 0) await new Promise((r) => setTimeout(r, 100));
    }
    await m?.dispose();
  }

  /** The loaded copy, once its load has finished (undefined while loading or after a failure). */
  async function settled(modelId: string): Promise<LoadedModel | undefined> {
    return loading.get(modelId)?.model.catch(() => undefined);
  }

  /** Unloads every copy whose row is gone or has another revision now; returns their ids. */
  async function dropStale(current: ReadonlyMap<string, string>): Promise<string[]> {
    const stale = [...loading].filter(([id, held]) => current.get(id) !== held.revision).map(([id]) => id);
    for (const id of stale) logger.info("model removed or replaced in the database: unloading it", { modelId: id });
    await Promise.all(stale.map(unload));
    return stale;
  }

  return {
    load,
    unload,
    settled,
    dropStale,
    has: (modelId: string) => loading.has(modelId),
    ids: () => [...loading.keys()],
    ready: () => ready.values(),
    get size() {
      return loading.size;
    },
    close: () => Promise.all([...loading.keys()].map(unload)),
  };
}

export type LoadedModels = ReturnType<typeof createLoadedModels>;
