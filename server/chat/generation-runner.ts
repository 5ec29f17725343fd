// Runs chat generations detached from any HTTP response. Each one streams from the model through
// the AI SDK, appends its deltas to the generation log, and on its end persists the assistant
// message, its usage and timings, and the runs row. Only `stop` (or shutdown) ends one early, or
// its writer giving up: its chat was deleted, or the database stayed away too long. No failure
// of the database rejects anything here (the writer retries and reports; event-writer.ts).
import { streamText, type LanguageModel, type ModelMessage } from "ai";
import type { AppName } from "../apps";
import { createDeltaSanitizer, sanitizeForStorage } from "../common/text-hygiene";
import type { Logger } from "../logger";
import { isCutByShutdown, SHUTDOWN_NOTICE, SHUTDOWN_REASON } from "../shutdown-notice";
import type { Decoding } from "../apps/decoding";
import type { RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";
import type { ChatStore } from "./chat-store";
import type { FinalStatus, GenerationLog } from "./generation-log";
import { describeWriteError } from "./write-faults";
import { isRemoteFault } from "../registry/remote/remote-fault";

export interface StartGeneration {
  userId: string;
  chatId: string;
  assistantMessageId: string;
  modelId: string;
  model: LanguageModel;
  messages: ModelMessage[];
  /**
   * `messages` as the model's token ids, when fitting encoded them here (a local model): the
   * engine continues these and does not tokenise the prompt again (decision 034).
   */
  promptIds?: number[];
  decoding?: Decoding;
  app?: AppName;
}

interface Live {
  controller: AbortController;
  chatId: string;
  done: Promise<void>;
}

export function createGenerationRunner(deps: {
  log: GenerationLog;
  store: ChatStore;
  runs: RunRecorder;
  logger: Logger;
}) {
  const live = new Map<string, Live>();

  async function start(input: StartGeneration) {
    const generationId = await deps.log.start({
      chatId: input.chatId,
      messageId: input.assistantMessageId,
      userId: input.userId,
      modelId: input.modelId,
    });
    const runId = await deps.runs.start({
      userId: input.userId,
      app: input.app ?? "chat",
      modelId: input.modelId,
      messageId: input.assistantMessageId,
    });
    const controller = new AbortController();
    const done = run(generationId, runId, input, controller)
      // run() handles its own failures; this is the last guard against a bug taking the process down.
      .catch((error: unknown) => deps.logger.error("generation crashed", { generationId, error }))
      .finally(() => live.delete(generationId));
    live.set(generationId, { controller, chatId: input.chatId, done });
    return generationId;
  }

  async function run(generationId: string, runId: string, input: StartGeneration, controller: AbortController) {
    const signal = controller.signal;
    // Stop pressed on another instance arrives through the database, with the heartbeat.
    const writer = deps.log.writer(generationId, {
      onStopRequested: () => controller.abort(),
      onAbandoned: (reason, error) => {
        if (reason === "unsaved")
          deps.logger.warn("generation interrupted: its events could not be saved", {
            generationId,
            error: describeWriteError(error),
          });
        else deps.logger.info("generation ended elsewhere or its chat was deleted", { generationId });
        controller.abort();
      },
    });
    const timer = startRunTimer();
    // PostgreSQL refuses NUL and lone surrogates in jsonb: model output is cleaned before storage.
    const sanitizer = createDeltaSanitizer();
    let text = "";
    const emit = (delta: string) => {
      if (!delta) return;
      text += delta;
      writer.append({ type: "text", data: { delta } });
    };
    let status: FinalStatus = "completed";
    let error: string | undefined;
    let remoteFault: string | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    // A stopped stream reports no usage: count deltas instead (the engine sends about one per token).
    let deltas = 0;
    try {
      const result = streamText({
        model: input.model,
        messages: input.messages,
        // The system message is the task's prompt (server/apps/prompts.ts), never user text.
        allowSystemInMessages: true,
        abortSignal: signal,
        ...input.decoding,
        ...(input.promptIds && { providerOptions: { loom: { promptIds: input.promptIds } } }),
        // The engine reports its own failures as stream errors; they end this generation below.
        onError: () => {},
      });
      for await (const part of result.fullStream) {
        if (part.type === "text-delta" && part.text) {
          timer.token();
          deltas++;
          emit(sanitizer.push(part.text));
        } else if (part.type === "error") {
          throw part.error;
        } else if (part.type === "abort") {
          status = "stopped";
        } else if (part.type === "finish") {
          usage = {
            inputTokens: part.totalUsage.inputTokens ?? 0,
            outputTokens: part.totalUsage.outputTokens ?? 0,
          };
        }
      }
    } catch (e) {
      if (signal.aborted) status = "stopped";
      else {
        status = "failed";
        error = sanitizeForStorage(e instanceof Error ? e.message : String(e));
        deps.logger.warn("generation failed", { generationId, modelId: input.modelId, error });
        // A remote engine that went away mid-answer: the answer so far is kept, marked
        // interrupted (as when this server dies), and the reader is told why in the remote's words.
        remoteFault = isRemoteFault(e) ? e.message : undefined;
      }
    }
    emit(sanitizer.end());
    if (writer.state === "unsaved" || (remoteFault && text)) status = "interrupted";
    if (usage.outputTokens === 0) usage.outputTokens = deltas;
    const { durationMs, timeToFirstTokenMs = null } = timer.read();
    // Each write is retried while the database is away; once the writer has given up they are
    // skipped, and the sweep rebuilds the message from its log (generation-recovery.ts).
    await writer.persist(() =>
      deps.store.updateMessage(input.assistantMessageId, {
        parts: text ? [{ type: "text", text }] : [],
        modelId: input.modelId,
        promptTokens: usage.inputTokens,
        completionTokens: usage.outputTokens,
        timeToFirstTokenMs,
        durationMs,
      }),
    );
    const runRecorded = await writer.persist(() =>
      deps.runs.finish(runId, {
        // The run failed, whatever the message keeps of it.
        status: remoteFault ? "failed" : status,
        promptTokens: usage.inputTokens,
        completionTokens: usage.outputTokens,
        timeToFirstTokenMs,
        durationMs,
        error,
      }),
    );
    // Left to the sweep, which ends the run row with its generation: shutdown need not wait for it.
    if (!runRecorded) deps.runs.forget(runId);
    // The finish event goes last: a reader that sees it can reload the stored message. Its
    // message is what the reader shows: why the answer ended early, when it did not end itself.
    const notice = remoteFault
      ? remoteFault
      : error
        ? "The model failed while writing this answer."
        : isCutByShutdown(signal)
          ? SHUTDOWN_NOTICE
          : undefined;
    await writer.finish(status, notice);
  }

  /**
   * Stops one generation; resolves once its message is saved. False when it is not running here
   * (another instance may run it: `log.requestStop`).
   */
  async function stop(generationId: string) {
    const entry = live.get(generationId);
    if (!entry) return false;
    entry.controller.abort();
    await entry.done;
    return true;
  }

  /** Resolves true once no generation runs here (ones started meanwhile too), false after `ms`. */
  async function idle(ms: number) {
    const deadline = Date.now() + ms;
    while (live.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const over = new Promise<true>((resolve) => (timer = setTimeout(resolve, left, true)));
      const ended = Promise.allSettled([...live.values()].map((g) => g.done)).then(() => false as const);
      const timedOut = await Promise.race([ended, over]);
      clearTimeout(timer);
      if (timedOut) return false;
    }
    return true;
  }

  /**
   * Graceful shutdown: let generations finish until `graceMs` is over, then stop the rest with the
   * shutdown notice (their readers show it; the answers are saved as stopped).
   */
  async function shutdown(graceMs: number) {
    await idle(graceMs);
    while (live.size > 0) {
      const entries = [...live.values()];
      for (const entry of entries) entry.controller.abort(SHUTDOWN_REASON);
      await Promise.allSettled(entries.map((g) => g.done));
    }
  }

  return {
    start,
    stop,
    idle,
    shutdown,
    isLive: (generationId: string) => live.has(generationId),
    liveIds: () => [...live.keys()],
    get active() {
      return live.size;
    },
  };
}

export type GenerationRunner = ReturnType<typeof createGenerationRunner>;
