// Public API of the inference engine for the rest of the app (registry, tasks, routes, health).
// Everything else in this folder is an implementation detail.

export { loadModel, loadCausalLM, loadClassifier } from "./engine.ts";
export type { EngineOptions, LoadModelOptions } from "./load-options.ts";
export type {
  LoadedModelBase,
  LoadedModel,
  LoadedCausalLM,
  LoadedClassifier,
  GenerateRequest,
  GenerationEvent,
  GenerationTimings,
} from "./loaded-model.ts";
export {
  createLoomLanguageModel,
  LoomLanguageModel,
  loomProviderOptionsSchema,
  type LoomLanguageModelSettings,
  type LoomProviderOptions,
} from "./provider.ts";
export type { Classification, LabelScore } from "./classifier.ts";
export type { ChatMessage, ChatRole } from "./chat-template.ts";
export type { SchedulerOptions, SchedulerStats } from "./scheduler.ts";
export type { FinishReason } from "./stopping.ts";
export { readModelFolder, type ModelFolder, type ModelKind, type DecoderShape } from "./model-folder.ts";
export type { SessionSettings, Device, DeviceSetting, GraphOptimizationLevel } from "./session.ts";
export {
  BusyError,
  InvalidRequestError,
  ModelDisposedError,
  ModelFolderError,
  RequestAbortedError,
  RequestTimeoutError,
} from "./errors.ts";
