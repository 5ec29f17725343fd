// The messages between a model's worker thread (model-worker.ts) and the main thread
// (worker-model.ts), and how an error crosses: by structured clone an Error loses its class, so
// the engine's own errors travel as their constructor arguments and are rebuilt on arrival
// (routes recognise them by class and status).

import {
  BusyError,
  InvalidRequestError,
  ModelDisposedError,
  ModelFolderError,
  RequestAbortedError,
  RequestTimeoutError,
} from "./errors";
import type { GenerateRequest, GenerationEvent } from "./loaded-model";
import type { LoadModelOptions } from "./load-options";
import type { SchedulerStats } from "./scheduler";
import type { Device } from "./session";

/** A generation as it crosses: token ids already encoded and checked on the main thread. */
export type WireGenerateRequest = Omit<GenerateRequest, "messages" | "prompt" | "signal" | "onStart"> & {
  promptIds: number[];
  /** When the main thread sent it (ms since the epoch), so timings include the message's wait. */
  sentAt: number;
};

/** What the worker is started with (workerData). */
export interface WorkerInit {
  dir: string;
  /** The load options that can be cloned: no logger (logs cross as messages). */
  options: Omit<LoadModelOptions, "logger">;
}

/** Faults a test can inject to prove a crash never takes the server down. */
export type WorkerFault = "throw" | "exit" | "oom";

export type ToWorker =
  | { t: "generate"; id: number; request: WireGenerateRequest }
  | { t: "logits"; id: number; promptIds: number[] }
  | { t: "logprobs"; id: number; promptIds: number[]; continuationIds: number[] }
  | { t: "abort"; id: number }
  | { t: "dispose" }
  | { t: "fault"; fault: WorkerFault };

/** One generation's news, batched per decode step into one message. */
export type GenerationNews =
  { id: number; started: true } | { id: number; event: GenerationEvent } | { id: number; error: WireError };

export type FromWorker =
  | { t: "ready"; device: Device; fallbackReason?: string }
  | { t: "load-failed"; error: WireError }
  | { t: "news"; items: GenerationNews[]; stats: SchedulerStats }
  | { t: "result"; id: number; value: Float32Array | number[] }
  | { t: "result"; id: number; error: WireError }
  | { t: "log"; level: "info" | "warn"; message: string }
  | { t: "disposed" };

export type WireError =
  | { kind: "busy"; retryAfterSeconds: number; active: number; waiting: number }
  | { kind: "timeout"; timeoutMs: number; phase: "queued" | "generating" }
  | { kind: "aborted" }
  | { kind: "invalid"; message: string; status: number }
  | { kind: "disposed"; modelId: string }
  | { kind: "folder"; folder: string; file?: string; message: string; input?: string }
  | { kind: "other"; name: string; message: string };

export function toWireError(error: unknown): WireError {
  if (error instanceof BusyError)
    return { kind: "busy", retryAfterSeconds: error.retryAfterSeconds, active: error.active, waiting: error.waiting };
  if (error instanceof RequestTimeoutError) return { kind: "timeout", timeoutMs: error.timeoutMs, phase: error.phase };
  if (error instanceof RequestAbortedError) return { kind: "aborted" };
  if (error instanceof InvalidRequestError)
    return { kind: "invalid", message: error.message, status: error.httpStatus };
  if (error instanceof ModelDisposedError) return { kind: "disposed", modelId: error.modelId };
  if (error instanceof ModelFolderError) {
    // The constructor puts "file: " before the message; send it without, so it is not doubled.
    const prefix = error.file ? `${error.file}: ` : "";
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return { kind: "folder", folder: error.folder, file: error.file, message, input: error.input };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: "other", name: e.name, message: e.message };
}

export function fromWireError(wire: WireError): Error {
  switch (wire.kind) {
    case "busy":
      return new BusyError(wire.retryAfterSeconds, wire.active, wire.waiting);
    case "timeout":
      return new RequestTimeoutError(wire.timeoutMs, wire.phase);
    case "aborted":
      return new RequestAbortedError();
    case "invalid":
      return new InvalidRequestError(wire.message, wire.status);
    case "disposed":
      return new ModelDisposedError(wire.modelId);
    case "folder":
      return new ModelFolderError(wire.folder, wire.file, wire.message, wire.input);
    case "other": {
      const e = new Error(wire.message);
      e.name = wire.name;
      return e;
    }
  }
}

/** Milliseconds since the epoch, comparable across threads (performance.now() is per thread). */
export const epochNow = () => performance.timeOrigin + performance.now();
