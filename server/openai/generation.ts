// One generation asked for through the OpenAI-compatible API: admitted like the web apps' (burst
// limit, daily quota), its model resolved by the registry for the app it runs under (chat for
// chat completions, code for raw completions), streamed from its AI SDK provider interface
// (model-call.ts), and recorded as a runs row with via "api". A refusal or a failure before the first token throws (the route answers it
// with a status); after it, the failure is the stream's last part.
import { randomUUID } from "node:crypto";
import type { LanguageModelV3, LanguageModelV3FinishReason, LanguageModelV3Usage } from "@ai-sdk/provider";
import type { ModelRow } from "../../db/schema";
import type { AppName } from "../apps";
import type { Decoding } from "../apps/decoding";
import { logger } from "../logger";
import type { Quotas } from "../usage/quotas";
import type { RunOutcome, RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";
import { abortedByEither } from "../common/aborted-by-either";
import { promptOf, streamParts, type ApiMessage } from "./model-call";

export interface ApiGenerationServices {
  registry: {
    endpointModel(
      app: AppName,
      requested?: string,
    ): Promise<{ row: Pick<ModelRow, "id" | "displayName">; model: LanguageModelV3 }>;
  };
  runs: Pick<RunRecorder, "start" | "finish">;
  quotas: Pick<Quotas, "assertWithinQuota">;
  rateLimiter: { take(key: string): void };
  /** Aborts when the shutdown's grace period ends. */
  shutdownSignal?: AbortSignal;
}

export interface ApiGenerationRequest {
  userId: string;
  app: Extract<AppName, "chat" | "code">;
  modelId: string;
  messages: ApiMessage[];
  decoding: Decoding & { frequencyPenalty?: number; presencePenalty?: number };
  /** Continue the text as it is, without the chat template (raw completions). */
  raw?: boolean;
}

export type FinishReason = "stop" | "length" | "content_filter";

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type GenerationPart =
  | { type: "text"; text: string }
  | { type: "finish"; finishReason: FinishReason; usage: TokenUsage }
  /** The stream stops here (the route shows a public error's message, a generic one otherwise). */
  | { type: "error"; error: unknown };

export interface ApiGeneration {
  runId: string;
  modelId: string;
  /** Unix seconds, as OpenAI's `created`. */
  created: number;
  parts: AsyncGenerator<GenerationPart>;
}

const FAILED = "The model failed to answer.";

export async function startApiGeneration(
  services: ApiGenerationServices,
  request: ApiGenerationRequest,
  clientGone: AbortSignal,
): Promise<ApiGeneration> {
  const { userId, app } = request;
  services.rateLimiter.take(userId);
  // Independent reads, asked together (on PostgreSQL they run at once); a refusal by the quota
  // still comes first, whatever the model.
  const [quota, resolved] = await Promise.allSettled([
    services.quotas.assertWithinQuota(userId),
    services.registry.endpointModel(app, request.modelId),
  ]);
  if (quota.status === "rejected") throw quota.reason;
  if (resolved.status === "rejected") throw resolved.reason;
  const { row, model } = resolved.value;

  const { signal, release } = abortedByEither(clientGone, services.shutdownSignal);
  // The runs row is written while the model answers: the id is chosen here so that the response
  // can name it at once, and neither the first token nor the others wait for the write (with 8
  // requests at once on PGlite, its queue held the first token ~100 ms). The write must succeed
  // before the answer may finish; if it fails, the generation stops and the request fails with it.
  const runId = randomUUID();
  let failure: unknown;
  const unrecorded = new AbortController();
  const runWritten = services.runs.start({ id: runId, userId, app, modelId: row.id, via: "api" }).then(
    () => true,
    (error: unknown) => {
      failure ??= error;
      unrecorded.abort(error);
      return false;
    },
  );
  const timer = startRunTimer();
  let deltas = 0;
  let recording: Promise<boolean> | undefined;
  /** Writes the run's outcome, once (later calls get the first's result); false when there is no row to write it to. */
  const record = (outcome: RunOutcome) =>
    (recording ??= (async () => {
      release();
      if (!(await runWritten)) return false;
      await services.runs.finish(runId, outcome).catch((error: unknown) => {
        logger.warn("run not recorded", { runId, app, status: outcome.status, error: String(error) });
      });
      return true;
    })());

  const modelParts = streamParts(model, {
    // The API's caller writes the whole conversation, system messages included: they are theirs.
    prompt: promptOf(request.messages),
    abortSignal: abortedByEither(signal, unrecorded.signal).signal,
    ...request.decoding,
    ...(request.raw && { providerOptions: { loom: { chatTemplate: false } } }),
  });

  async function* parts(): AsyncGenerator<GenerationPart> {
    let finished = false;
    try {
      for await (const part of modelParts) {
        if (part.type === "text-delta" && part.delta) {
          timer.token();
          deltas++;
          yield { type: "text", text: part.delta };
        } else if (part.type === "error") failure ??= part.error;
        else if (part.type === "finish" && failure === undefined && !signal.aborted) {
          const usage = usageOf(part.usage);
          finished = await record({
            status: "completed",
            promptTokens: usage.prompt_tokens,
            completionTokens: usage.completion_tokens,
            ...timer.read(usage.completion_tokens),
          });
          if (finished) yield { type: "finish", finishReason: finishReasonOf(part.finishReason), usage };
        }
      }
    } catch (error) {
      failure ??= error;
    } finally {
      // A reader that stops early (the client went away) lands here too.
      if (!finished) {
        if (signal.aborted) await record({ status: "stopped", completionTokens: deltas, ...timer.read(deltas) });
        else await record({ status: "failed", error: messageOf(failure ?? "the stream ended without finishing") });
      }
    }
    if (!finished && !signal.aborted) yield { type: "error", error: failure ?? new Error(FAILED) };
  }

  // Wait for the first part: a failure before any text is the request's own (its status, a JSON
  // error), not a stream that starts and breaks.
  const stream = parts();
  const first = await stream.next();
  if (first.done || first.value.type === "error") {
    if (signal.aborted) throw new ClientGoneError();
    throw failure ?? new Error(FAILED);
  }
  const firstPart = first.value;
  async function* replay(): AsyncGenerator<GenerationPart> {
    yield firstPart;
    yield* stream;
  }
  return { runId, modelId: row.id, created: Math.floor(Date.now() / 1000), parts: replay() };
}

/** The client went away before the first token: nothing is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client went away before the first token");
    this.name = "ClientGoneError";
  }
}

function usageOf(usage: LanguageModelV3Usage): TokenUsage {
  const prompt = usage.inputTokens.total ?? 0;
  const completion = usage.outputTokens.total ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function finishReasonOf({ unified }: LanguageModelV3FinishReason): FinishReason {
  if (unified === "length") return "length";
  if (unified === "content-filter") return "content_filter";
  return "stop";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
