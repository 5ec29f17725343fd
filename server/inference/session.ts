// Creates the onnxruntime-node InferenceSession for a model file, on the device the settings ask
// for (LOOM_DEVICE, parsed in server/config.ts). onnxruntime-node does not fall back by itself:
// with executionProviders ['cuda', 'cpu'] and no CUDA provider installed, creation throws ("Failed
// to load shared library"). So 'auto' and 'cuda' try CUDA, and on failure create a CPU session and
// log why, once per process (a server loading five models should not log it five times).

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";

export type DeviceSetting = "cpu" | "cuda" | "auto";
export type Device = "cpu" | "cuda";
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface SessionSettings {
  device: DeviceSetting;
  /** Threads inside one operator (ORT default: one per physical core). */
  intraOpNumThreads?: number;
  /** Threads across independent operators (only used by the parallel execution mode). */
  interOpNumThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Keep present.* (the KV cache) in device memory between steps when on CUDA. */
  kvOnDevice: boolean;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  device: Device;
  /** Why CUDA was not used, when it was asked for (LOOM_DEVICE=auto|cuda). */
  fallbackReason?: string;
  /** Whether present.* outputs stay in device memory (then they must be downloaded to repack). */
  kvOnDevice: boolean;
}

let fallbackLogged = false;

export interface CreateSessionOptions {
  /** Output names of the KV cache (present.*), kept on the device when that is possible. */
  kvOutputNames?: readonly string[];
  logger?: Logger;
}

export async function createSession(
  modelPath: string,
  settings: SessionSettings,
  options: CreateSessionOptions = {},
): Promise<CreatedSession> {
  const logger = options.logger ?? console;
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: settings.graphOptimizationLevel ?? "all",
    ...(settings.intraOpNumThreads ? { intraOpNumThreads: settings.intraOpNumThreads } : {}),
    ...(settings.interOpNumThreads ? { interOpNumThreads: settings.interOpNumThreads } : {}),
  };
  // With "auto" on a host where the CUDA provider was never installed (the default npm install
  // skips it), do not even try: onnxruntime would print a loud error per attempt.
  const missing = settings.device === "auto" ? missingCudaProvider() : undefined;
  if (missing) {
    logFallbackOnce(logger, settings.device, missing);
    const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ["cpu"] });
    return { session, device: "cpu", fallbackReason: missing, kvOnDevice: false };
  }
  if (settings.device !== "cpu") {
    // A failed CUDA attempt is reported by us, once; keep onnxruntime's own logger quiet for it.
    const attempt = { ...base, logSeverityLevel: 4 as const };
    const kvNames = options.kvOutputNames ?? [];
    let kvLocationProblem: string | undefined;
    if (settings.kvOnDevice && kvNames.length > 0) {
      try {
        const session = await ort.InferenceSession.create(modelPath, {
          ...attempt,
          executionProviders: ["cuda", "cpu"],
          preferredOutputLocation: Object.fromEntries(kvNames.map((n) => [n, "gpu-buffer" as const])),
        });
        return { session, device: "cuda", kvOnDevice: true };
      } catch (e) {
        kvLocationProblem = firstLine(e);
      }
    }
    let reason: string;
    try {
      // The provider library itself did not load: a second attempt would fail the same way.
      if (kvLocationProblem && /shared library/i.test(kvLocationProblem)) throw new Error(kvLocationProblem);
      const session = await ort.InferenceSession.create(modelPath, {
        ...attempt,
        executionProviders: ["cuda", "cpu"],
      });
      // CUDA works but this binding cannot keep outputs on it: the KV cache round-trips via host.
      if (kvLocationProblem) logger.warn(`loom: KV cache kept in host memory (${kvLocationProblem})`);
      return { session, device: "cuda", kvOnDevice: false };
    } catch (e) {
      reason = firstLine(e);
    }
    logFallbackOnce(logger, settings.device, reason);
    const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ["cpu"] });
    return { session, device: "cpu", fallbackReason: reason, kvOnDevice: false };
  }
  const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ["cpu"] });
  return { session, device: "cpu", kvOnDevice: false };
}

function logFallbackOnce(logger: Logger, device: DeviceSetting, reason: string): void {
  if (fallbackLogged) return;
  fallbackLogged = true;
  const how = device === "cuda" ? "LOOM_DEVICE=cuda" : "LOOM_DEVICE=auto";
  const say = device === "cuda" ? logger.warn : logger.info;
  say.call(logger, `loom: ${how} but the CUDA execution provider could not start, using CPU: ${reason}`);
}

/** On Linux, the reason CUDA cannot work when its provider library is not next to the binding. */
function missingCudaProvider(): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
    const binDir = path.join(path.dirname(entry), "..", "bin", "napi-v6", "linux", process.arch);
    const lib = path.join(binDir, "libonnxruntime_providers_cuda.so");
    if (existsSync(lib)) return undefined;
    return `${path.basename(lib)} is not installed (install with ONNXRUNTIME_NODE_INSTALL=cuda12 on a GPU host)`;
  } catch {
    return undefined;
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e)
    .split("\n")[0]!
    .slice(0, 300);
}

/** Test hook: let the next fallback be logged again. */
export function resetFallbackLogForTests(): void {
  fallbackLogged = false;
}
