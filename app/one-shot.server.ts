// One-shot generations (summarise, translate, code): stream from the app's model to the page as
// the AI SDK's UI message stream, record a runs row, and stop generating the moment the client
// goes away (request.signal). Token and latency stats travel as message metadata.
import type { AppLoadContext } from "@remix-run/node";
import {
  createUIMessageStream,
  createUIMessageStreamResponse,
  streamText,
  type ModelMessage,
  type UIMessageStreamWriter,
} from "ai";
import type { AppName } from "../server/apps";
import type { PublicUser } from "../server/auth/auth-service";
import type { Decoding } from "../server/chat/generation-runner";
import { publicErrorOf } from "../server/http-error";
import type { LoadedCausalLM } from "../server/inference";
import { noticeWhenCut } from "../server/shutdown-notice";
import type { TaskPrompts } from "../server/tasks/prompts";
import { rethrowAsApiError } from "./api.server";

export interface TaskRunStats {
  modelId: string;
  modelName: string;
  promptTokens?: number;
  completionTokens?: number;
  timeToFirstTokenMs?: number;
  durationMs?: number;
  tokensPerSecond?: number;
}

/** What the page reads from `message.metadata`. */
export type TaskMetadata = Partial<TaskRunStats> & { status?: "completed" | "stopped" | "failed" };

interface StreamTaskOptions {
  request: Request;
  context: AppLoadContext;
  user: PublicUser;
  app: AppName;
  modelId?: string;
  decoding: Decoding;
  /** Builds the final prompt; may run earlier generations first (summaries' map step) and report progress. */
  prepare: (input: {
    model: LoadedCausalLM;
    prompts: TaskPrompts;
    complete: (messages: ModelMessage[], decoding: Decoding) => Promise<string>;
    progress: (data: Record<string, unknown>) => void;
  }) => Promise<ModelMessage[]>;
}

export async function streamTask(options: StreamTaskOptions): Promise<Response> {
  const { request, context, user, app, decoding } = options;
  const { services } = context;
  let resolved: Awaited<ReturnType<typeof services.registry.languageModel>>;
  try {
    resolved = await services.registry.languageModel(app, options.modelId);
  } catch (error) {
    rethrowAsApiError(error);
  }
  const { row, model, loaded, prompts } = resolved;
  const runId = await services.runs.start({ userId: user.id, app, modelId: row.id });
  const startedAt = performance.now();
  let firstTokenAt: number | undefined;
  const base: TaskMetadata = { modelId: row.id, modelName: row.displayName };
  // The client going away or the server's shutdown cutting the stream (which the client is told).
  const signal = AbortSignal.any([request.signal, services.shutdownSignal]);

  const complete = async (messages: ModelMessage[], d: Decoding) => {
    const result = streamText({ model, messages, abortSignal: signal, ...d });
    return await result.text;
  };

  const stream = createUIMessageStream({
    execute: async ({ writer }: { writer: UIMessageStreamWriter }) => {
      const progress = (data: Record<string, unknown>) =>
        writer.write({ type: "data-progress", data, transient: true });
      const messages = await options.prepare({ model: loaded, prompts, complete, progress });
      const result = streamText({
        model,
        messages,
        abortSignal: signal,
        ...decoding,
        onChunk: ({ chunk }) => {
          if (chunk.type === "text-delta") firstTokenAt ??= performance.now();
        },
        onError: () => {},
      });
      writer.merge(
        result.toUIMessageStream({
          messageMetadata: ({ part }) => {
            if (part.type === "start") return base;
            if (part.type !== "finish") return undefined;
            const stats = finalStats(part.totalUsage, startedAt, firstTokenAt);
            void services.runs.finish(runId, { status: "completed", ...stats });
            return { ...base, ...stats, status: "completed" };
          },
          onError: (error) => {
            const known = publicErrorOf(error);
            void services.runs.finish(runId, { status: "failed", error: String((error as Error)?.message ?? error) });
            return known?.message ?? "The model failed to answer. Try again.";
          },
        }),
      );
      await result.consumeStream({ onError: () => {} });
      if (signal.aborted) {
        void services.runs.finish(runId, { status: "stopped", durationMs: performance.now() - startedAt });
      }
    },
    onError: (error) => {
      void services.runs.finish(runId, { status: "failed", error: String((error as Error)?.message ?? error) });
      return publicErrorOf(error)?.message ?? "The model failed to answer. Try again.";
    },
  });
  return createUIMessageStreamResponse({
    stream: stream.pipeThrough(noticeWhenCut(signal)),
    headers: { "X-Accel-Buffering": "no" },
  });
}

function finalStats(
  usage: { inputTokens?: number; outputTokens?: number },
  startedAt: number,
  firstTokenAt: number | undefined,
) {
  const now = performance.now();
  const completionTokens = usage.outputTokens ?? 0;
  const decodeMs = firstTokenAt === undefined ? 0 : now - firstTokenAt;
  return {
    promptTokens: usage.inputTokens ?? 0,
    completionTokens,
    timeToFirstTokenMs: firstTokenAt === undefined ? undefined : Math.round(firstTokenAt - startedAt),
    durationMs: Math.round(now - startedAt),
    tokensPerSecond:
      decodeMs > 0 && completionTokens > 1
        ? Math.round(((completionTokens - 1) / decodeMs) * 1000 * 10) / 10
        : undefined,
  };
}
