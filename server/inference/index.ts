// Public API of the inference engine for the rest of the app (registry, tasks, routes, health).
// Everything else in this folder is an implementation detail.

export { loadModel, loadCausalLM, loadClassifier } from "./loader";
export type { EngineOptions, LoadModelOptions } from "./load-options";
export type { WorkerModelOptions } from "./worker-model";
export { deviceFallbacks, type DeviceFallback } from "./device-report";
export type {
  LoadedModelBase,
  LoadedModel,
  LoadedCausalLM,
  LoadedSeq2Seq,
  LoadedGenerator,
  LoadedClassifier,
  GenerateRequest,
  GenerationEvent,
  GenerationTimings,
} from "./loaded-model";
export {
  createLoomLanguageModel,
  LoomLanguageModel,
  loomProviderOptionsSchema,
  type LoomLanguageModelSettings,
  type LoomProviderOptions,
} from "./provider";
export type { Classification, LabelScore } from "./classifier";
export { splitSentences, selectSentences, type ExtractiveSummary, type LoadedExtractiveSummarizer } from "./extractive";
export type { ChatMessage, ChatRole } from "./chat-template";
export type { SchedulerOptions, SchedulerStats } from "./scheduler";
export type { FinishReason } from "./stopping";
export { createRandom } from "./sampler";
export { readModelFolder, type ModelFolder, type ModelKind, type DecoderShape } from "./model-folder";
export type { SessionSettings, Device, DeviceSetting, GraphOptimizationLevel } from "./session";
export {
  BusyError,
  InvalidRequestError,
  ModelCrashedError,
  ModelDisposedError,
  ModelFolderError,
  RequestAbortedError,
  RequestTimeoutError,
} from "./errors";
