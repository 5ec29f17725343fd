// Creates the onnxruntime-node InferenceSession for a model file, on the device the settings ask
// for (LOOM_DEVICE, parsed in server/config.ts). onnxruntime-node does not fall back by itself:
// with executionProviders ['cuda', 'cpu'] and no CUDA provider installed, creation throws ("Failed
// to load shared library"), and ['webgpu'] throws without an adapter. So each accelerator the
// setting allows is tried in turn (auto: CUDA, then WebGPU), each failure recorded with its
// reason, and the session ends on the CPU when none starts. Logging the fallback is the caller's
// (device-report.ts), once per process.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";

export type DeviceSetting = "cpu" | "cuda" | "webgpu" | "auto";
export type Device = "cpu" | "cuda" | "webgpu";
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface SessionSettings {
  device: DeviceSetting;
  /** Threads inside one operator (0 or unset here: onnxruntime's default, one per physical core). */
  intraOpNumThreads?: number;
  /** Threads across independent operators (only used by the parallel execution mode). */
  interOpNumThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Keep present.* (the KV cache) in device memory between steps when on CUDA or WebGPU. */
  kvOnDevice: boolean;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  device: Device;
  /** Why the requested accelerator(s) were not used (LOOM_DEVICE=auto|cuda|webgpu), one per device tried. */
  fallbackReason?: string;
  /** Whether present.* outputs stay in device memory (then they must be downloaded to repack). */
  kvOnDevice: boolean;
}

export interface CreateSessionOptions {
  /** Output names of the KV cache (present.*), kept on the device when that is possible. */
  kvOutputNames?: readonly string[];
  logger?: Logger;
}

type Accelerator = Exclude<Device, "cpu">;

/** The accelerators a setting allows, in the order they are tried. */
export function acceleratorsFor(setting: DeviceSetting): Accelerator[] {
  if (setting === "auto") return ["cuda", "webgpu"];
  return setting === "cpu" ? [] : [setting];
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
  const reasons: string[] = [];
  for (const accelerator of acceleratorsFor(settings.device)) {
    // A provider that is not even there is not tried: onnxruntime would print a loud error per attempt.
    const missing = providerMissing(accelerator);
    if (missing) {
      reasons.push(`${accelerator}: ${missing}`);
      continue;
    }
    try {
      const opened = await openOn(accelerator, modelPath, base, settings, options.kvOutputNames ?? [], logger);
      return { ...opened, device: accelerator, ...(reasons.length > 0 && { fallbackReason: reasons.join("; ") }) };
    } catch (e) {
      reasons.push(`${accelerator}: ${reasonOf(e)}`);
    }
  }
  const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ["cpu"] });
  return {
    session,
    device: "cpu",
    kvOnDevice: false,
    ...(reasons.length > 0 && { fallbackReason: reasons.join("; ") }),
  };
}

/** A session on one accelerator, the KV cache on it when it takes present.* as device buffers. */
async function openOn(
  accelerator: Accelerator,
  modelPath: string,
  base: ort.InferenceSession.SessionOptions,
  settings: SessionSettings,
  kvNames: readonly string[],
  logger: Logger,
): Promise<{ session: ort.InferenceSession; kvOnDevice: boolean }> {
  // A failed attempt is reported by us, once; keep onnxruntime's own logger quiet for it.
  const attempt = { ...base, logSeverityLevel: 4 as const, executionProviders: [accelerator, "cpu"] };
  let kvLocationProblem: string | undefined;
  if (settings.kvOnDevice && kvNames.length > 0) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        ...attempt,
        // present.* stays where the graph wrote it and comes back as past_key_values.* (the
        // pattern transformers.js uses); decoder-session.ts proves the round trip at load.
        preferredOutputLocation: Object.fromEntries(kvNames.map((n) => [n, "gpu-buffer" as const])),
      });
      return { session, kvOnDevice: true };
    } catch (e) {
      kvLocationProblem = reasonOf(e);
      // The provider itself did not start: a second attempt would fail the same way.
      if (/shared library|adapter/i.test(kvLocationProblem)) throw new Error(kvLocationProblem);
    }
  }
  const session = await ort.InferenceSession.create(modelPath, attempt);
  // The accelerator works but cannot keep outputs on it: the KV cache round-trips via the host.
  if (kvLocationProblem) logger.warn(`loom: KV cache kept in host memory (${kvLocationProblem})`);
  return { session, kvOnDevice: false };
}

/** Why an accelerator's provider cannot be used at all, before trying it; undefined when it may work. */
function providerMissing(accelerator: Accelerator): string | undefined {
  const backend = ort.listSupportedBackends().find((b) => b.name === accelerator);
  if (!backend) return `this onnxruntime-node build has no ${accelerator} execution provider`;
  if (accelerator === "cuda") return missingCudaProvider();
  return undefined;
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

/** The useful part of an onnxruntime error: its first line, without the source path and assertion. */
function reasonOf(e: unknown): string {
  const line = String(e instanceof Error ? e.message : e).split("\n")[0]!;
  const afterAssertion = line.match(/ was false\. (.+)$/)?.[1];
  return (afterAssertion ?? line).slice(0, 300);
}
