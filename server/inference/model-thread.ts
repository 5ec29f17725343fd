// One started worker thread of a model (model-worker.ts), seen from the main thread: it starts
// the worker, says when the model is ready, and reports every way the thread can end. A crash
// (an uncaught exception, process.exit, running out of its heap) is only ever an event here: the
// 'error' listener is what keeps a dying worker from taking the server down with it.

import { Worker, type ResourceLimits } from "node:worker_threads";
import type { Device } from "./session";
import { fromWireError, type FromWorker, type ToWorker, type WorkerInit } from "./worker-protocol";

const BOOTSTRAP = new URL("./model-worker-bootstrap.mjs", import.meta.url);

export interface ThreadReady {
  device: Device;
  fallbackReason?: string;
}

export interface ThreadEvents {
  /** Every message but ready, load-failed and disposed (those are this class's). */
  message(message: FromWorker): void;
  /** The thread ended without being asked to; `reason` says how. */
  crashed(reason: string): void;
}

export class ModelThread {
  private readonly worker: Worker;
  /** Resolves once the model is loaded in the worker; rejects with the load's error. */
  readonly ready: Promise<ThreadReady>;
  private settleReady!: { resolve: (r: ThreadReady) => void; reject: (e: Error) => void };
  private lastError: string | undefined;
  private stopping = false;
  private disposedAck: (() => void) | undefined;
  private readonly exited: Promise<void>;

  constructor(init: WorkerInit, resourceLimits: ResourceLimits | undefined, events: ThreadEvents) {
    this.ready = new Promise<ThreadReady>((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // a crash before ready also reaches `crashed`
    // No execArgv: the bootstrap registers tsx itself, and test-runner flags mean nothing here.
    this.worker = new Worker(BOOTSTRAP, { workerData: init, execArgv: [], ...(resourceLimits && { resourceLimits }) });
    this.worker.on("message", (message: FromWorker) => {
      if (message.t === "ready")
        this.settleReady.resolve({ device: message.device, fallbackReason: message.fallbackReason });
      else if (message.t === "load-failed") {
        this.stopping = true;
        this.settleReady.reject(fromWireError(message.error));
        void this.worker.terminate();
      } else if (message.t === "disposed") this.disposedAck?.();
      else events.message(message);
    });
    this.worker.on("error", (error: Error & { code?: string }) => {
      this.lastError =
        error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "out of memory" : `${error.name}: ${error.message}`.slice(0, 300);
    });
    this.exited = new Promise((resolve) =>
      this.worker.on("exit", (code) => {
        resolve();
        if (this.stopping) return;
        const reason = this.lastError ?? `the worker exited with code ${code}`;
        this.settleReady.reject(new Error(reason));
        events.crashed(reason);
      }),
    );
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Whether the thread keeps the process alive: only while it has work. */
  hold(busy: boolean): void {
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  /** Let the model fail what it still holds and release its session, then end the thread. */
  async dispose(graceMs: number): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    this.hold(true);
    const acknowledged = new Promise<void>((resolve) => (this.disposedAck = resolve));
    this.send({ t: "dispose" });
    // A step already running finishes first; a thread that is stuck is ended anyway.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([acknowledged, this.exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
