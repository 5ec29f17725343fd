// One-shot generations (summarise, translate, code): stream from the app's model as the AI SDK's
// UI message stream, record a runs row, and stop generating the moment `signal` aborts (the client
// went away). Token and latency stats travel as message metadata.
import { createUIMessageStream, streamText, type LanguageModel, type ModelMessage, type UIMessageChunk } from "ai";
import type { ModelRow } from "../../db/schema";
import type { AppName } from "../apps";
import { publicErrorOf } from "../http-error";
import type { LoadedCausalLM } from "../inference";
import { noticeWhenCut } from "../shutdown-notice";
import type { Decoding } from "../tasks/decoding";
import type { OneShotTask } from "../tasks/one-shot-task";
import { readModelPrompts } from "../tasks/prompts";
import type { RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";
import type { TaskMetadata } from "./task-metadata";

/** What the stream needs: the app's model (as the registry resolves it) and the runs table. */
export interface OneShotServices {
  registry: {
    languageModel(
      app: AppName,
      requested?: string,
    ): Promise<{ row: Pick<ModelRow, "id" | "displayName">; model: LanguageModel; loaded: LoadedCausalLM }>;
  };
  runs: Pick<RunRecorder, "start" | "finish">;
  /** Aborts with SHUTDOWN_REASON when the shutdown's grace period ends (server/shutdown-notice.ts). */
  shutdownSignal?: AbortSignal;
}

export interface OneShotRequest {
  userId: string;
  app: AppName;
  modelId?: string;
  task: OneShotTask;
}

const FAILED = "The model failed to answer. Try again.";

/**
 * Resolves the model and starts the run; refusals (no model, wrong kind) throw before any stream
 * exists, so the route can answer them with a status. Errors inside the stream become its text.
 */
export async function streamOneShot(
  services: OneShotServices,
  request: OneShotRequest,
  clientSignal: AbortSignal,
): Promise<ReadableStream<UIMessageChunk>> {
  const { userId, app, task } = request;
  // The client going away, or the shutdown cutting the stream (which the client is told).
  const signal = services.shutdownSignal ? AbortSignal.any([clientSignal, services.shutdownSignal]) : clientSignal;
  const { row, model, loaded } = await services.registry.languageModel(app, request.modelId);
  const prompts = readModelPrompts(loaded.dir);
  const runId = await services.runs.start({ userId, app, modelId: row.id });
  const timer = startRunTimer();
  const base: TaskMetadata = { modelId: row.id, modelName: row.displayName };
  const fail = (error: unknown) =>
    void services.runs.finish(runId, { status: "failed", error: String((error as Error)?.message ?? error) });

  const complete = async (messages: ModelMessage[], decoding: Decoding) => {
    // The system message is the task's prompt (server/tasks/prompts.ts), never user text.
    const result = streamText({ model, messages, allowSystemInMessages: true, abortSignal: signal, ...decoding });
    return await result.text;
  };

  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      const progress = (data: Record<string, unknown>) =>
        writer.write({ type: "data-progress", data, transient: true });
      const messages = await task.prepare({ model: loaded, prompts, complete, progress });
      const result = streamText({
        model,
        messages,
        allowSystemInMessages: true,
        abortSignal: signal,
        ...task.decoding,
        onChunk: ({ chunk }) => {
          if (chunk.type === "text-delta") timer.token();
        },
        onError: () => {},
      });
      writer.merge(
        result.toUIMessageStream({
          messageMetadata: ({ part }) => {
            if (part.type === "start") return base;
            if (part.type !== "finish") return undefined;
            const completionTokens = part.totalUsage.outputTokens ?? 0;
            const stats = {
              promptTokens: part.totalUsage.inputTokens ?? 0,
              completionTokens,
              ...timer.read(completionTokens),
            };
            void services.runs.finish(runId, { status: "completed", ...stats });
            return { ...base, ...stats, status: "completed" } satisfies TaskMetadata;
          },
          onError: (error) => {
            fail(error);
            return publicErrorOf(error)?.message ?? FAILED;
          },
        }),
      );
      await result.consumeStream({ onError: () => {} });
      if (signal.aborted) {
        void services.runs.finish(runId, { status: "stopped", durationMs: timer.read().durationMs });
      }
    },
    onError: (error) => {
      fail(error);
      return publicErrorOf(error)?.message ?? FAILED;
    },
  });
  return stream.pipeThrough(noticeWhenCut(signal));
}
