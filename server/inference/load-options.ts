// What a model load can be told (device, threads, batching, limits) and the engine's defaults for
// what it is not told. The engine reads no environment variables: server/config.ts parses the
// LOOM_* ones into these options, and the server, the scripts and the benchmark pass them in.

import { availableParallelism } from "node:os";
import type { SchedulerOptions } from "./scheduler";
import type { Logger, SessionSettings } from "./session";

/** The scheduler's limits; maxPositions comes from the model itself. */
export type BatchingOptions = Omit<SchedulerOptions, "maxPositions">;

/** Tunings that apply to every model a process loads (what LOOM_* variables set). */
export interface EngineOptions {
  /** Device, threads, graph optimisation, KV placement. */
  session?: Partial<SessionSettings>;
  /** Batching and queue limits. */
  scheduler?: Partial<BatchingOptions>;
  /** Longest slice of a prompt run at once (the event loop gets a turn between slices). */
  prefillChunk?: number;
  /** Default cap on new tokens when neither the request nor generation_config sets one. */
  defaultMaxNewTokens?: number;
}

export interface LoadModelOptions extends EngineOptions {
  /** Name used in logs, errors and the provider's modelId (default: the folder's name). */
  id?: string;
  logger?: Logger;
}

export interface EngineSettings {
  session: SessionSettings;
  scheduler: BatchingOptions;
  prefillChunk: number;
  defaultMaxNewTokens: number;
}

/**
 * Threads inside one operator unless told: every core but one. onnxruntime's own default (one
 * per physical core, spinning while it waits for work) leaves no core to the server's event loop:
 * with the ~28M bench model decoding 16 streams on 2 cores, /healthz p99 was 20–32 ms with it and
 * 7–11 ms with one thread, at 1.4× the tokens per CPU-second (docs/performance.md). 0 (set
 * through LOOM_INTRA_OP_THREADS) still means onnxruntime's choice.
 */
export const DEFAULT_INTRA_OP_THREADS = Math.max(1, availableParallelism() - 1);

/** README.md's configuration table lists these beside the variables that override them. */
export const ENGINE_DEFAULTS: EngineSettings = {
  // Inter-op threads and graph optimisation unset: onnxruntime's own choice.
  session: { device: "auto", kvOnDevice: true, intraOpNumThreads: DEFAULT_INTRA_OP_THREADS },
  scheduler: { maxConcurrent: 16, maxWaiting: 64, requestTimeoutMs: 300_000, prefillTokensPerStep: 1024 },
  prefillChunk: 256,
  defaultMaxNewTokens: 512,
};

/** The options given, the defaults for the rest (an option set to undefined counts as not given). */
export function engineSettings(options: EngineOptions = {}): EngineSettings {
  return {
    session: withDefaults(ENGINE_DEFAULTS.session, options.session),
    scheduler: withDefaults(ENGINE_DEFAULTS.scheduler, options.scheduler),
    prefillChunk: options.prefillChunk ?? ENGINE_DEFAULTS.prefillChunk,
    defaultMaxNewTokens: options.defaultMaxNewTokens ?? ENGINE_DEFAULTS.defaultMaxNewTokens,
  };
}

function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {}))
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}
