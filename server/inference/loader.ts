// The engine's public loaders: a causal LM runs in a worker thread of its own (worker-model.ts),
// so its steps never hold the server's event loop; a classifier (one short batched pass per
// call) and an extractive summariser stay in this thread (engine.ts, extractive.ts); an
// encoder-decoder runs in a worker like a causal LM (seq2seq.ts, decision 037). Another
// model kind gets its branch here.

import path from "node:path";
import { loadClassifierFolder } from "./engine";
import { ModelFolderError } from "./errors";
import { loadExtractiveSummarizerFolder } from "./extractive";
import type { LoadedCausalLM, LoadedClassifier, LoadedModel } from "./loaded-model";
import { folderOptions, readModelFolder, type ModelFolder } from "./model-folder";
import { loadCausalLMInWorker, loadSeq2SeqInWorker, type WorkerModelOptions } from "./worker-model";

/** Load any supported model folder; check `.kind` for what came back. */
export async function loadModel(dir: string, options: WorkerModelOptions = {}): Promise<LoadedModel> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind === "extractive-summarizer") return loadExtractiveSummarizerFolder(folder, options);
  // An encoder-decoder runs in a worker too, its seq2seq runner there (decision 037).
  if (folder.kind === "seq2seq") return loadSeq2SeqInWorker(folder, options.id ?? path.basename(folder.dir), options);
  return folder.kind === "classifier" ? loadClassifierFolder(folder, options) : causalLM(folder, options);
}

export async function loadCausalLM(dir: string, options: WorkerModelOptions = {}): Promise<LoadedCausalLM> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind !== "causal-lm") throw wrongKind(folder, "a causal LM");
  return causalLM(folder, options);
}

export async function loadClassifier(dir: string, options: WorkerModelOptions = {}): Promise<LoadedClassifier> {
  const folder = await readModelFolder(dir, folderOptions(options));
  if (folder.kind !== "classifier") throw wrongKind(folder, "a classifier");
  return loadClassifierFolder(folder, options);
}

function causalLM(folder: ModelFolder, options: WorkerModelOptions): Promise<LoadedCausalLM> {
  return loadCausalLMInWorker(folder, options.id ?? path.basename(folder.dir), options);
}

function wrongKind(folder: ModelFolder, wanted: string): ModelFolderError {
  return new ModelFolderError(folder.dir, "config.json", `is a ${folder.kind}, not ${wanted}`, "architectures");
}
