// One-shot generations (summarise, translate, code): stream from the app's model as the AI SDK's
// UI message stream, record a runs row, and stop generating the moment `signal` aborts (the client
// went away). Token and latency stats travel as message metadata. The run records what happened:
// completed with the model's usage, stopped with the tokens streamed until then, or failed.
import {
  createUIMessageStream,
  streamText,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type UIMessageChunk,
} from "ai";
import type { ModelRow } from "../../db/schema";
import type { AppName } from "../apps";
import { publicErrorOf } from "../http-error";
import { noticeWhenCut } from "../shutdown-notice";
import type { Decoding } from "../apps/decoding";
import type { OneShotApp } from "../apps/one-shot-app";
import type { ModelDescription } from "../apps/model-description";
import { logger } from "../logger";
import type { RunOutcome, RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";
import { finishAfterError, GENERATION_FAILED, heldUntilFirstOutput } from "./first-output";
import type { RunMetadata } from "./run-metadata";
import { abortedByEither } from "../common/aborted-by-either";
import { countingOnce } from "../apps/token-counts";

/** What the stream needs: the app's model (as the registry resolves it) and the runs table. */
export interface OneShotServices {
  registry: {
    languageModel(
      app: AppName,
      requested?: string,
    ): Promise<{ row: Pick<ModelRow, "id" | "displayName">; model: LanguageModel; description: ModelDescription }>;
  };
  runs: Pick<RunRecorder, "start" | "finish">;
  /** Aborts with SHUTDOWN_REASON when the shutdown's grace period ends (server/shutdown-notice.ts). */
  shutdownSignal?: AbortSignal;
}

export interface OneShotRequest {
  userId: string;
  app: AppName;
  modelId?: string;
  task: OneShotApp;
}

/**
 * Resolves the model, starts the run and waits for the stream's first output: every refusal or
 * failure before it (no model, an unsupported pair, an over-long prompt, a busy engine) rejects
 * with its public error, so the route answers it with a status. Errors after it end the stream
 * with an error part and a finish marked failed (./first-output.ts).
 */
export async function streamOneShot(
  services: OneShotServices,
  request: OneShotRequest,
  clientGone: AbortSignal,
): Promise<ReadableStream<UIMessageChunk>> {
  const { userId, app, task } = request;
  // The client going away, or the shutdown cutting the stream (which the client is told).
  const { signal, release } = abortedByEither(clientGone, services.shutdownSignal);
  const { row, model, description } = await services.registry.languageModel(app, request.modelId);
  const { prompts } = description;
  const runId = await services.runs.start({ userId, app, modelId: row.id });
  const timer = startRunTimer();
  const base: RunMetadata = { modelId: row.id, modelName: row.displayName };
  /** What went wrong first: the error part the client gets is its text; before output, its status. */
  let firstFailure: unknown;
  // A stopped stream reports no usage: its deltas are counted instead (the engine sends about one
  // per token), as they are streamed to the client.
  let deltas = 0;
  let recorded = false;
  /** The run's one outcome: whatever ends the stream first (finish, abort, error) decides it. */
  const record = async (outcome: RunOutcome) => {
    if (recorded) return;
    recorded = true;
    release();
    await services.runs.finish(runId, outcome).catch((error: unknown) => {
      logger.warn("run not recorded", { runId, app, status: outcome.status, error: String(error) });
    });
  };
  const stopped = () => record({ status: "stopped", completionTokens: deltas, ...timer.read(deltas) });
  const failed = (error: unknown) =>
    signal.aborted ? stopped() : record({ status: "failed", error: String((error as Error)?.message ?? error) });

  const complete = async (messages: ModelMessage[], decoding: Decoding) => {
    // The system message is the task's prompt (server/apps/prompts.ts), never user text.
    const result = streamText({ model, messages, allowSystemInMessages: true, abortSignal: signal, ...decoding });
    return await result.text;
  };

  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      const progress = (data: Record<string, unknown>) =>
        writer.write({ type: "data-progress", data, transient: true });
      const describe = (facts: Partial<RunMetadata>) => Object.assign(base, facts);
      // Each list of messages tokenised once for this request, however often fitting asks.
      const counted = countingOnce(description);
      const messages = await task.prepare({ model: counted, prompts, complete, progress, describe });
      // The ids fitting counted go to a local engine, which then does not tokenise the prompt
      // again; a task with options of its own (code: FIM ids, no template) sends those.
      const providerOptions =
        task.providerOptions ?? (counted.promptIds && { loom: { promptIds: counted.promptIds(messages) } });
      const result = streamText({
        model,
        messages,
        allowSystemInMessages: true,
        abortSignal: signal,
        ...task.decoding,
        ...(task.transform && { experimental_transform: task.transform }),
        ...(providerOptions && { providerOptions }),
        onError: () => {},
      });
      writer.merge(
        result.toUIMessageStream({
          messageMetadata: ({ part }) => {
            if (part.type === "start") return base;
            if (part.type !== "finish") return undefined;
            const status = part.finishReason === "error" ? "failed" : "completed";
            return { ...base, ...statsOf(part.totalUsage), status } satisfies RunMetadata;
          },
          onError: (error) => {
            firstFailure ??= error;
            return publicErrorOf(error)?.message ?? GENERATION_FAILED;
          },
        }),
      );
      // The outcome, from the stream the client's copy comes from.
      let usage: LanguageModelUsage | undefined;
      let failure: unknown;
      try {
        for await (const part of result.fullStream) {
          if (part.type === "text-delta" && part.text) {
            timer.token();
            deltas++;
          } else if (part.type === "error") failure ??= part.error;
          else if (part.type === "finish") usage = part.totalUsage;
        }
      } catch (error) {
        failure ??= error;
      }
      if (usage && failure === undefined) await record({ status: "completed", ...statsOf(usage) });
      else if (signal.aborted) await stopped();
      else await failed(failure ?? new Error("the stream ended without finishing"));
    },
    // What execute throws (a failed or stopped prepare step) ends the stream with its text.
    onError: (error) => {
      firstFailure ??= error;
      void failed(error);
      return publicErrorOf(error)?.message ?? GENERATION_FAILED;
    },
  });
  return heldUntilFirstOutput(
    stream.pipeThrough(noticeWhenCut(signal)).pipeThrough(finishAfterError()),
    () => firstFailure,
  );

  function statsOf(usage: LanguageModelUsage) {
    const completionTokens = usage.outputTokens ?? 0;
    return { promptTokens: usage.inputTokens ?? 0, completionTokens, ...timer.read(completionTokens) };
  }
}
