// The device each model ended on, and why it is not the one asked for. A fallback is logged once
// per process and reason (a server loading five models should not say it five times), and kept
// for /healthz and Admin › Models. Worker threads have module state of their own, so a model
// loaded in a worker reports here from the main thread (worker-model.ts), never from inside it.

import type { Device, DeviceSetting, Logger } from "./session";

export interface DeviceFallback {
  requested: DeviceSetting;
  used: Device;
  /** One clause per accelerator tried: "cuda: …; webgpu: …". */
  reason: string;
}

const logged = new Map<string, DeviceFallback>();

export function reportDeviceFallback(logger: Logger, fallback: DeviceFallback): void {
  const key = `${fallback.requested}|${fallback.used}|${fallback.reason}`;
  if (logged.has(key)) return;
  logged.set(key, fallback);
  const message =
    `loom: LOOM_DEVICE=${fallback.requested} but ${fallback.requested === "auto" ? "no accelerator" : fallback.requested} ` +
    `could not start, using ${fallback.used.toUpperCase()}: ${fallback.reason}`;
  // Asking for a device explicitly and not getting it is a warning; auto finding none is not.
  if (fallback.requested === "auto") logger.info(message);
  else logger.warn(message);
}

/** The fallbacks this process has seen (for /healthz), oldest first. */
export function deviceFallbacks(): DeviceFallback[] {
  return [...logged.values()];
}

/** Test hook: forget what was logged. */
export function resetFallbackLogForTests(): void {
  logged.clear();
}
