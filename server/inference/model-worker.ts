// The worker thread of one causal LM (or encoder-decoder, decision 037): the model's sessions,
// scheduler or seq2seq runner, and tokenizer live here, so
// a prefill or a batch step (hundreds of milliseconds on a large model) holds this thread, never
// the server's. Requests arrive already encoded (worker-protocol.ts); the news of every
// generation is gathered during a decode step and sent as one message when the step ends.

import { parentPort, workerData } from "node:worker_threads";
import { loadCausalLMFolder } from "./engine";
import { InvalidRequestError } from "./errors";
import type { LoadedCausalLM, LoadedGenerator } from "./loaded-model";
import { folderOptions, readModelFolder } from "./model-folder";
import { loadSeq2SeqFolder } from "./seq2seq";
import type { Logger } from "./session";
import {
  epochNow,
  toWireError,
  type FromWorker,
  type GenerationNews,
  type ToWorker,
  type WireGenerateRequest,
  type WorkerFault,
  type WorkerInit,
} from "./worker-protocol";

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const logger: Logger = {
  info: (message) => send({ t: "log", level: "info", message }),
  warn: (message) => send({ t: "log", level: "warn", message }),
};

/** Abort handles of the requests in flight, by the main thread's request id. */
const inFlight = new Map<number, AbortController>();
let outbox: GenerationNews[] = [];
let flushScheduled = false;

async function load(): Promise<LoadedGenerator | undefined> {
  try {
    const folder = await readModelFolder(init.dir, folderOptions(init.options));
    // The main thread logs a device fallback, once per process (device-report.ts).
    const model =
      folder.kind === "seq2seq"
        ? await loadSeq2SeqFolder(folder, { ...init.options, logger })
        : await loadCausalLMFolder(folder, { ...init.options, logger }, false);
    send({ t: "ready", device: model.device, ...(model.fallbackReason && { fallbackReason: model.fallbackReason }) });
    return model;
  } catch (error) {
    send({ t: "load-failed", error: toWireError(error) });
    return undefined;
  }
}

/**
 * Sent once the current step is over: the scheduler yields with setImmediate between steps, and
 * this immediate, queued during the step, runs first.
 */
function post(news: GenerationNews, model: LoadedGenerator): void {
  outbox.push(news);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const items = outbox;
    outbox = [];
    send({ t: "news", items, stats: model.stats() });
  });
}

async function generate(model: LoadedGenerator, id: number, wire: WireGenerateRequest): Promise<void> {
  // Time the request spent in the message queue while this thread was busy counts as queued.
  const lag = Math.max(0, epochNow() - wire.sentAt);
  const controller = new AbortController();
  inFlight.set(id, controller);
  try {
    const { sentAt: _sentAt, ...request } = wire;
    const events = model.generate({
      ...request,
      signal: controller.signal,
      onStart: () => post({ id, started: true }, model),
    });
    for await (const event of events) {
      if (event.type === "finish") {
        const t = event.timings;
        event.timings = {
          ...t,
          queuedMs: t.queuedMs + lag,
          timeToFirstTokenMs: t.timeToFirstTokenMs + lag,
          totalMs: t.totalMs + lag,
        };
      }
      post({ id, event }, model);
    }
  } catch (error) {
    post({ id, error: toWireError(error) }, model);
  } finally {
    inFlight.delete(id);
  }
}

async function answer(id: number, work: () => Promise<Float32Array | number[]>): Promise<void> {
  const controller = new AbortController();
  inFlight.set(id, controller);
  try {
    const value = await work();
    send({ t: "result", id, value }, value instanceof Float32Array ? [value.buffer as ArrayBuffer] : []);
  } catch (error) {
    send({ t: "result", id, error: toWireError(error) });
  } finally {
    inFlight.delete(id);
  }
}

/** Scoring is a causal LM's (the main thread never asks an encoder-decoder for it). */
function causal(model: LoadedGenerator): LoadedCausalLM {
  if (model.kind !== "causal-lm") throw new InvalidRequestError(`${model.id} is an encoder-decoder: it does not score`);
  return model;
}

function injectFault(fault: WorkerFault): void {
  if (fault === "exit") process.exit(70);
  if (fault === "throw")
    setImmediate(() => {
      throw new Error("fault injected by a test");
    });
  if (fault === "oom") {
    // Grows the heap until the worker's resourceLimits stop it (ERR_WORKER_OUT_OF_MEMORY).
    const hoard: number[][] = [];
    const grow = () => {
      for (let i = 0; i < 64; i++) hoard.push(Array.from({ length: 16_384 }, (_, j) => i + j));
      setImmediate(grow);
    };
    grow();
  }
}

const loading = load();

port.on("message", async (message: ToWorker) => {
  // Messages that come during the load wait for it, in order.
  const model = await loading;
  if (!model) return;
  switch (message.t) {
    case "generate":
      void generate(model, message.id, message.request);
      break;
    case "logits":
      void answer(message.id, async () =>
        causal(model).nextTokenLogits(message.promptIds, inFlight.get(message.id)?.signal),
      );
      break;
    case "logprobs":
      void answer(message.id, async () => causal(model).tokenLogProbs(message.promptIds, message.continuationIds));
      break;
    case "abort":
      inFlight.get(message.id)?.abort();
      break;
    case "dispose":
      await model.dispose();
      // Whatever dispose failed still has to reach the main thread before the worker goes.
      await new Promise((resolve) => setImmediate(resolve));
      send({ t: "disposed" });
      break;
    case "fault":
      injectFault(message.fault);
      break;
  }
});
