// A remote OpenAI-compatible engine (vLLM, TGI, llama.cpp's server, Ollama, another Loom's /v1)
// as an AI SDK language model, through the kept client @ai-sdk/openai-compatible, so it sits
// beside the local engine's provider and streamText treats both alike. Around the client: a
// concurrency cap (more requests are refused as busy, never queued without bound), a time limit
// on each request (first byte to last token), and failures turned into public errors that say
// what went wrong: unreachable, key refused, timed out, or stopped mid-answer.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, type LanguageModelV3, type LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { wrapLanguageModel } from "ai";
import type { RemoteEndpoint } from "../../../db/schema";
import { HttpError, isPublicError } from "../../http-error";

export interface RemoteModel {
  model: LanguageModelV3;
  /** Requests in flight now. */
  active(): number;
}

export function createRemoteModel(id: string, endpoint: RemoteEndpoint, apiKey?: string): RemoteModel {
  let active = 0;
  const provider = createOpenAICompatible({
    name: "remote",
    baseURL: endpoint.baseUrl,
    apiKey,
    includeUsage: true,
    // The time limit covers the body too: aborting the fetch ends its stream.
    fetch: (input, init) => {
      const timeout = AbortSignal.timeout(endpoint.timeoutMs);
      const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      return fetch(input, { ...init, signal });
    },
  });
  const describe = (error: unknown) => remoteError(id, endpoint, error);
  const model = wrapLanguageModel({
    model: provider.chatModel(endpoint.model),
    middleware: {
      specificationVersion: "v3",
      wrapGenerate: async ({ doGenerate }) => {
        const release = acquire();
        try {
          return await doGenerate();
        } catch (error) {
          throw describe(error);
        } finally {
          release();
        }
      },
      wrapStream: async ({ doStream }) => {
        const release = acquire();
        let result;
        try {
          result = await doStream();
        } catch (error) {
          release();
          throw describe(error);
        }
        const { stream, ...rest } = result;
        return { stream: checked(stream, release, describe, id), ...rest };
      },
    },
  });
  function acquire() {
    if (active >= endpoint.maxConcurrent)
      throw new HttpError(
        429,
        "BUSY",
        `${id} is busy: at most ${endpoint.maxConcurrent} requests at once. Try again in a few seconds.`,
        2,
      );
    active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active--;
    };
  }
  return { model, active: () => active };
}

/** A failure of the remote, as a message the user can act on. */
export function remoteError(id: string, endpoint: RemoteEndpoint, error: unknown): unknown {
  if (isPublicError(error)) return error;
  if (error instanceof Error && (error.name === "AbortError" || error.name === "ResponseAborted")) {
    // Loom's own abort (the client went away) stays an abort; the time limit is a timeout.
    if (!(error.cause instanceof DOMException && error.cause.name === "TimeoutError")) return error;
  }
  const name = (error as Error | undefined)?.name;
  if (
    name === "TimeoutError" ||
    (error instanceof Error && (error.cause as Error | undefined)?.name === "TimeoutError")
  )
    return new HttpError(
      504,
      "REMOTE_TIMEOUT",
      `${id}: the remote engine did not finish within ${endpoint.timeoutMs} ms.`,
    );
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === 401 || status === 403)
      return new HttpError(502, "REMOTE_AUTH", `${id}: the remote engine refused Loom's API key (HTTP ${status}).`);
    if (status === 404)
      return new HttpError(
        502,
        "REMOTE_NO_MODEL",
        `${id}: the remote engine has no model "${endpoint.model}" (HTTP 404).`,
      );
    if (status === 429)
      return new HttpError(429, "BUSY", `${id}: the remote engine is busy (HTTP 429). Try again in a few seconds.`, 5);
    // The answer had begun (HTTP 200) when its body broke off.
    if (status !== undefined && status >= 200 && status < 300)
      return new HttpError(502, "REMOTE_STOPPED", `${id}: the remote engine stopped mid-answer.`);
    if (status !== undefined)
      return new HttpError(502, "REMOTE_ERROR", `${id}: the remote engine answered HTTP ${status}.`);
    return new HttpError(502, "REMOTE_UNREACHABLE", `${id}: cannot reach the remote engine at ${endpoint.baseUrl}.`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(502, "REMOTE_STOPPED", `${id}: the remote engine stopped mid-answer (${message}).`);
}

/**
 * The remote's stream as the registry serves it, in one stage (each stage is a stream hop per
 * chunk): errors described, the slot released when it ends however it ends (the reader's cancel
 * too), and a stream that closes without a finish part turned into a "stopped mid-answer" error.
 */
function checked(
  stream: ReadableStream<LanguageModelV3StreamPart>,
  release: () => void,
  describe: (error: unknown) => unknown,
  id: string,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = stream.getReader();
  let finished = false;
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      try {
        const { done, value: part } = await reader.read();
        if (done) {
          release();
          if (!finished)
            controller.enqueue({
              type: "error",
              error: new HttpError(502, "REMOTE_STOPPED", `${id}: the remote engine stopped mid-answer.`),
            });
          controller.close();
        } else if (part.type === "error") controller.enqueue({ type: "error", error: describe(part.error) });
        else {
          if (part.type === "finish") finished = true;
          controller.enqueue(part);
        }
      } catch (error) {
        release();
        controller.error(describe(error));
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  });
}
