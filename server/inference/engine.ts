// Loads a model folder into a ready-to-use model in this thread: a causal LM that streams text
// (through the scheduler, shared by all requests to that model) or a classifier that labels texts.
// This file assembles the parts; each part lives in its own module (named beside each step below).
// The server runs causal LMs in a worker thread each (loader.ts, model-worker.ts), and that
// worker loads its model with this file; the engine's own tests load here, without the message hop.

import path from "node:path";
import { ClassifierRunner } from "./classifier";
import { openDecoder, type OpenedDecoder } from "./decoder-session";
import { ModelFolderError } from "./errors";
import { loadExtractiveSummarizerFolder } from "./extractive";
import { eosTokenIds, startGeneration } from "./generation";
import { checkClassifierGraph } from "./graph-check";
import { engineSettings, type BatchingOptions, type LoadModelOptions } from "./load-options";
import type { LoadedCausalLM, LoadedClassifier, LoadedModel, LoadedModelBase } from "./loaded-model";
import { reportDeviceFallback } from "./device-report";
import { folderOptions, readModelFolder, type ModelFolder } from "./model-folder";
import { checkSessionGraph, loadTokenizer, openModelSession } from "./model-session";
import { createPromptEncoder, loadChatTemplate } from "./prompt-encoder";
import { Scheduler, type SchedulerOptions } from "./scheduler";
import { loadSeq2SeqFolder } from "./seq2seq";
import { nextTokenLogits, tokenLogProbs } from "./scoring";
import type { CreatedSession, Logger } from "./session";
import type { LoomTokenizer } from "./tokenizer";

/** Load any supported model folder; check `.kind` for what came back. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind === "extractive-summarizer") return loadExtractiveSummarizerFolder(folder, options);
  if (folder.kind === "seq2seq") return loadSeq2SeqFolder(folder, options);
  return folder.kind === "classifier" ? loadClassifierFolder(folder, options) : loadCausalLMFolder(folder, options);
}

export async function loadCausalLM(dir: string, options: LoadModelOptions = {}): Promise<LoadedCausalLM> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind !== "causal-lm")
    throw new ModelFolderError(folder.dir, "config.json", `is a ${folder.kind}, not a causal LM`, "architectures");
  return loadCausalLMFolder(folder, options);
}

export async function loadClassifier(dir: string, options: LoadModelOptions = {}): Promise<LoadedClassifier> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind !== "classifier")
    throw new ModelFolderError(folder.dir, "config.json", `is a ${folder.kind}, not a classifier`, "architectures");
  return loadClassifierFolder(folder, options);
}

/** The fields both kinds fill the same way (LoadedModelBase's, less kind and dispose). */
function sharedFields(
  folder: ModelFolder,
  id: string,
  tokenizer: LoomTokenizer,
  created: CreatedSession,
): Omit<LoadedModelBase, "kind" | "dispose"> {
  return { id, dir: folder.dir, device: created.device, fallbackReason: created.fallbackReason, folder, tokenizer };
}

/**
 * One scheduler per model, shared by all its requests. A graph without position_ids decodes one
 * sequence at a time: left padding would shift every padded row's positions.
 */
function createScheduler(
  opened: OpenedDecoder,
  limits: BatchingOptions,
  maxPositions: number,
  id: string,
  logger: Logger | undefined,
): Scheduler {
  const options: SchedulerOptions = { ...limits, maxPositions };
  if (!opened.graph.hasPositionIds && options.maxConcurrent > 1) {
    (logger ?? console).warn(`loom: ${id} has no position_ids input; decoding one sequence at a time`);
    options.maxConcurrent = 1;
  }
  return new Scheduler(opened.runner, options, id);
}

/** Logs a device fallback (once per process); a worker leaves that to the main thread. */
function reportFallback(options: LoadModelOptions, created: CreatedSession, report: boolean): void {
  if (!report || !created.fallbackReason) return;
  const requested = engineSettings(options).session.device;
  reportDeviceFallback(options.logger ?? console, { requested, used: created.device, reason: created.fallbackReason });
}

export async function loadCausalLMFolder(
  folder: ModelFolder,
  options: LoadModelOptions,
  report = true,
): Promise<LoadedCausalLM> {
  const shape = folder.decoder!;
  const id = options.id ?? path.basename(folder.dir);
  const { logger } = options;
  const settings = engineSettings(options);
  const tokenizer = loadTokenizer(folder);
  const chatTemplate = loadChatTemplate(folder);
  // Session and runner, the KV cache on the device when that works end to end (decoder-session.ts).
  const opened = await openDecoder(folder, settings.session, settings.prefillChunk, id, logger);
  reportFallback(options, opened.created, report);
  const scheduler = createScheduler(opened, settings.scheduler, shape.maxPositions, id, logger);
  // Request → token ids (prompt-encoder.ts); request → scheduler job and event stream (generation.ts).
  const encodePrompt = createPromptEncoder(tokenizer, chatTemplate, shape.vocabSize);
  const generation = {
    folder,
    tokenizer,
    encodePrompt,
    scheduler,
    eosIds: eosTokenIds(folder, tokenizer),
    defaultMaxNewTokens: settings.defaultMaxNewTokens,
  };
  return {
    kind: "causal-lm",
    ...sharedFields(folder, id, tokenizer, opened.created),
    chatTemplate,
    maxPositions: shape.maxPositions,
    encodePrompt,
    generate: (request) => startGeneration(generation, request),
    // Scoring without generating (scoring.ts).
    nextTokenLogits: (promptIds, signal) => nextTokenLogits(scheduler, promptIds, signal),
    tokenLogProbs: (promptIds, continuationIds) =>
      tokenLogProbs(opened.runner, encodePrompt, shape.maxPositions, promptIds, continuationIds),
    stats: () => scheduler.stats(),
    dispose: async () => {
      // The scheduler first: it fails what is queued or running before the session goes.
      await scheduler.dispose();
      await opened.created.session.release();
    },
  };
}

export async function loadClassifierFolder(folder: ModelFolder, options: LoadModelOptions): Promise<LoadedClassifier> {
  const id = options.id ?? path.basename(folder.dir);
  const tokenizer = loadTokenizer(folder);
  const created = await openModelSession(folder, engineSettings(options).session, [], options.logger);
  const graph = await checkSessionGraph(created, (session) => checkClassifierGraph(folder, session));
  reportFallback(options, created, true);
  const config = folder.config as { max_position_embeddings?: number };
  const modelMax = folder.tokenizerConfig.model_max_length;
  const maxTokens = Math.min(
    config.max_position_embeddings ?? 512,
    typeof modelMax === "number" && modelMax > 0 ? modelMax : Infinity,
  );
  const padTokenId = folder.generation.padTokenId ?? tokenizer.padTokenId ?? 0;
  const runner = new ClassifierRunner(created.session, graph, tokenizer, folder.labels!, maxTokens, padTokenId);
  let disposed = false;
  return {
    kind: "classifier",
    ...sharedFields(folder, id, tokenizer, created),
    labels: folder.labels!,
    classify: (texts) => {
      if (disposed) return Promise.reject(new Error(`model ${id} was unloaded`));
      return runner.classify(texts);
    },
    dispose: async () => {
      disposed = true;
      await created.session.release();
    },
  };
}
