// A causal LM whose session and scheduler run in a worker thread (model-thread.ts), behind the
// same LoadedCausalLM the in-thread engine returns, so the provider and the routes cannot tell;
// an encoder-decoder the same way, behind LoadedSeq2Seq (its runner in the worker, decision 037).
// The main thread keeps what must answer at once: the tokenizer and prompt encoding (bad input
// throws before anything is sent), the queue limit (BusyError is thrown synchronously, as a route
// needs it before it streams), and each request's state (an abort frees its slot in stats() at
// once; the worker hears of it between two steps). A worker that dies fails its requests with
// ModelCrashedError and is started again on the next request.

import type { ResourceLimits } from "node:worker_threads";
import { AsyncChannel } from "./async-channel";
import { reportDeviceFallback } from "./device-report";
import { BusyError, ModelCrashedError, ModelDisposedError, RequestAbortedError } from "./errors";
import { maxNewTokensOf } from "./generation";
import { engineSettings, type LoadModelOptions } from "./load-options";
import type { GenerateRequest, GenerationEvent, LoadedCausalLM, LoadedGenerator, LoadedSeq2Seq } from "./loaded-model";
import type { ModelFolder } from "./model-folder";
import { loadTokenizer } from "./model-session";
import { createPromptEncoder, loadChatTemplate } from "./prompt-encoder";
import { checkPromptLength, zeroStats } from "./scheduler";
import { checkSeq2SeqPromptLength, encodeSeq2SeqPrompt } from "./seq2seq";
import { ModelThread, type ThreadReady } from "./model-thread";
import type { Device } from "./session";
import { epochNow, fromWireError, type FromWorker, type WorkerFault, type WorkerInit } from "./worker-protocol";

/** How long dispose waits for a busy worker to finish its step before ending it. */
const DISPOSE_GRACE_MS = 30_000;

interface Pending {
  /** Queued in the worker until it says the prefill started. */
  started: boolean;
  /** Counts against the queue limit and in stats() (generations and next-token scoring). */
  scheduled: boolean;
  submittedAt: number;
  /** The request's end, whatever it is: drops listeners, settles its consumer. */
  settle(outcome: { event?: GenerationEvent; value?: Float32Array | number[]; error?: Error }): void;
  onStart?: () => void;
}

const faultInjectors = new WeakMap<LoadedGenerator, (fault: WorkerFault) => void>();

/** Test hook: make the model's worker throw, exit or run out of memory, as it is now. */
export function injectWorkerFaultForTests(model: LoadedGenerator, fault: WorkerFault): void {
  const inject = faultInjectors.get(model);
  if (!inject) throw new Error(`${model.id} does not run in a worker`);
  inject(fault);
}

export interface WorkerModelOptions extends LoadModelOptions {
  /** Heap limits of the worker (V8 only: onnxruntime's tensors live outside the heap). */
  workerResourceLimits?: ResourceLimits;
}

export function loadCausalLMInWorker(
  folder: ModelFolder,
  id: string,
  options: WorkerModelOptions,
): Promise<LoadedCausalLM> {
  return loadInWorker(folder, id, options) as Promise<LoadedCausalLM>;
}

/** An encoder-decoder in a worker: its runner there, one generation at a time (seq2seq.ts). */
export function loadSeq2SeqInWorker(
  folder: ModelFolder,
  id: string,
  options: WorkerModelOptions,
): Promise<LoadedSeq2Seq> {
  return loadInWorker(folder, id, options) as Promise<LoadedSeq2Seq>;
}

async function loadInWorker(folder: ModelFolder, id: string, options: WorkerModelOptions): Promise<LoadedGenerator> {
  const seq2seq = folder.kind === "seq2seq";
  const maxPositions = seq2seq ? folder.seq2seq!.maxPositions : folder.decoder!.maxPositions;
  const logger = options.logger ?? console;
  const settings = engineSettings(options);
  const tokenizer = loadTokenizer(folder);
  const chatTemplate = seq2seq ? undefined : loadChatTemplate(folder);
  const encodePrompt = seq2seq
    ? (request: GenerateRequest) => encodeSeq2SeqPrompt(tokenizer, request)
    : createPromptEncoder(tokenizer, chatTemplate, folder.decoder!.vocabSize);
  const { logger: _logger, workerResourceLimits, ...cloneable } = options;
  const init: WorkerInit = { dir: folder.dir, options: { ...cloneable, id } };
  // An encoder-decoder runs one generation at a time (seq2seq.ts): one slot, the same queue.
  const maxConcurrent = seq2seq ? 1 : settings.scheduler.maxConcurrent;
  const capacity = maxConcurrent + settings.scheduler.maxWaiting;

  const pending = new Map<number, Pending>();
  let nextId = 1;
  let thread: ModelThread | undefined;
  let readyInfo: ThreadReady = { device: "cpu" };
  let snapshot = zeroStats();
  let rejected = 0;
  let averageRequestMs = 5000;
  let disposed = false;

  const onMessage = (message: FromWorker) => {
    if (message.t === "log") logger[message.level](message.message);
    else if (message.t === "news") {
      snapshot = message.stats;
      for (const item of message.items) {
        const p = pending.get(item.id);
        if (!p) continue; // ended here already (aborted, or failed by a crash)
        if ("started" in item) {
          p.started = true;
          p.onStart?.();
        } else if ("error" in item) finish(item.id, { error: fromWireError(item.error) });
        else if (item.event.type === "finish") finish(item.id, { event: item.event });
        else p.settle({ event: item.event });
      }
    } else if (message.t === "result") {
      finish(message.id, "error" in message ? { error: fromWireError(message.error) } : { value: message.value });
    }
  };

  const onCrash = (crashed: ModelThread, reason: string) => {
    if (thread === crashed) thread = undefined; // the next request starts a fresh one
    const error = new ModelCrashedError(id, reason);
    logger.warn(`loom: ${id}: ${error.message}; ${pending.size} request(s) failed`);
    for (const requestId of [...pending.keys()]) finish(requestId, { error });
  };

  /** The running thread, started when there is none (first use, or after a crash). */
  const current = (): ModelThread => {
    if (thread) return thread;
    const started: ModelThread = new ModelThread(init, workerResourceLimits, {
      message: onMessage,
      crashed: (reason) => onCrash(started, reason),
    });
    thread = started;
    started.ready.then(
      (info) => {
        readyInfo = info;
        if (info.fallbackReason)
          reportDeviceFallback(logger, {
            requested: settings.session.device,
            used: info.device,
            reason: info.fallbackReason,
          });
        started.hold(pending.size > 0);
      },
      (error: Error) => {
        // A reload that fails (the folder went away) fails what waited for it; the next request tries again.
        if (thread === started) thread = undefined;
        for (const requestId of [...pending.keys()]) finish(requestId, { error });
      },
    );
    return started;
  };

  function finish(requestId: number, outcome: Parameters<Pending["settle"]>[0]): void {
    const p = pending.get(requestId);
    if (!p) return;
    pending.delete(requestId);
    if (!outcome.error) averageRequestMs = averageRequestMs * 0.8 + (performance.now() - p.submittedAt) * 0.2;
    p.settle(outcome);
    if (pending.size === 0) thread?.hold(false);
  }

  /** Ends a request here at once and tells the worker, which frees the slot between two steps. */
  function abandon(requestId: number, error?: Error): void {
    if (!pending.has(requestId)) return;
    finish(requestId, { error: error ?? new RequestAbortedError() });
    thread?.send({ t: "abort", id: requestId });
  }

  /** Requests holding a decode slot, and those queued for one, as this thread knows them. */
  function slots(): { active: number; waiting: number } {
    let active = 0;
    let waiting = 0;
    for (const p of pending.values()) {
      if (!p.scheduled) continue;
      if (p.started) active++;
      else waiting++;
    }
    return { active, waiting };
  }

  /** BusyError when the queue is full, counted as the in-thread scheduler does. */
  function admit(promptTokens: number): void {
    if (disposed) throw new ModelDisposedError(id);
    if (seq2seq) checkSeq2SeqPromptLength(promptTokens, maxPositions);
    else checkPromptLength(promptTokens, maxPositions);
    const { active, waiting } = slots();
    if (active + waiting >= capacity) {
      rejected++;
      const perSlot = averageRequestMs / 1000 / Math.max(1, maxConcurrent);
      throw new BusyError(Math.min(60, Math.max(1, Math.ceil(perSlot * (waiting + 1)))), active, waiting);
    }
  }

  function register(p: Omit<Pending, "submittedAt">, signal: AbortSignal | undefined): number {
    const requestId = nextId++;
    let removeListener: (() => void) | undefined;
    if (signal) {
      const onAbort = () => abandon(requestId, new RequestAbortedError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      removeListener = () => signal.removeEventListener("abort", onAbort);
    }
    pending.set(requestId, {
      ...p,
      submittedAt: performance.now(),
      settle: (outcome) => {
        if (outcome.error || outcome.value || outcome.event?.type === "finish") removeListener?.();
        p.settle(outcome);
      },
    });
    const t = current();
    t.hold(true);
    return requestId;
  }

  function generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const promptIds = encodePrompt(request);
    const maxNewTokens = maxNewTokensOf(request, folder, settings.defaultMaxNewTokens);
    admit(promptIds.length);
    if (request.signal?.aborted) throw new RequestAbortedError(request.signal.reason);
    const { messages: _messages, prompt: _prompt, signal, onStart, ...rest } = request;
    let requestId = 0;
    // The consumer leaving the loop aborts the generation.
    const channel = new AsyncChannel<GenerationEvent>(() => abandon(requestId));
    requestId = register(
      {
        started: false,
        scheduled: true,
        onStart,
        settle: ({ event, error }) => {
          if (error) channel.fail(error);
          else if (event) {
            channel.push(event);
            if (event.type === "finish") channel.close();
          }
        },
      },
      signal,
    );
    current().send({ t: "generate", id: requestId, request: { ...rest, promptIds, maxNewTokens, sentAt: epochNow() } });
    return channel;
  }

  function call<T extends Float32Array | number[]>(
    message: (requestId: number) => Parameters<ModelThread["send"]>[0],
    scheduled: boolean,
    signal?: AbortSignal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) throw new RequestAbortedError(signal.reason);
      const requestId = register(
        {
          started: scheduled,
          scheduled,
          settle: ({ value, error }) => (error ? reject(error) : resolve(value as T)),
        },
        signal,
      );
      current().send(message(requestId));
    });
  }

  const stats = () => {
    const { active, waiting } = slots();
    return { ...snapshot, active, waiting, rejected: snapshot.rejected + rejected };
  };
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    const last = thread;
    thread = undefined;
    await last?.dispose(DISPOSE_GRACE_MS);
    // What the worker did not answer before it went.
    const error = new ModelDisposedError(id);
    for (const requestId of [...pending.keys()]) finish(requestId, { error });
  };

  const model: LoadedGenerator = seq2seq
    ? {
        kind: "seq2seq",
        id,
        dir: folder.dir,
        get device(): Device {
          return readyInfo.device;
        },
        get fallbackReason() {
          return readyInfo.fallbackReason;
        },
        folder,
        tokenizer,
        maxPositions,
        encodePrompt,
        generate,
        stats,
        dispose,
      }
    : causalModel();

  function causalModel(): LoadedCausalLM {
    return {
      kind: "causal-lm",
      id,
      dir: folder.dir,
      get device(): Device {
        return readyInfo.device;
      },
      get fallbackReason() {
        return readyInfo.fallbackReason;
      },
      folder,
      tokenizer,
      chatTemplate,
      maxPositions,
      encodePrompt,
      generate,
      nextTokenLogits: (promptIds, signal) => {
        try {
          admit(promptIds.length);
        } catch (error) {
          return Promise.reject(error);
        }
        return call((requestId) => ({ t: "logits", id: requestId, promptIds: promptIds.slice() }), true, signal);
      },
      tokenLogProbs: (promptIds, continuationIds) => {
        if (disposed) return Promise.reject(new ModelDisposedError(id));
        const message = (requestId: number) => ({
          t: "logprobs" as const,
          id: requestId,
          promptIds: promptIds.slice(),
          continuationIds: continuationIds.slice(),
        });
        return call(message, false);
      },
      stats,
      dispose,
    };
  }
  faultInjectors.set(model, (fault) => current().send({ t: "fault", fault }));

  // The first load is the caller's: its error (a bad folder) is theirs to see.
  const first = current();
  try {
    readyInfo = await first.ready;
  } catch (error) {
    disposed = true;
    await first.dispose(0);
    throw error;
  }
  return model;
}
