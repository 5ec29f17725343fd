// The one-shot error protocol's two halves (docs/decisions/017). Until a stream has shown the
// client anything (a token, progress, its end), a failure is still the request's: the response
// has not started, so it is answered with the error's HTTP status and JSON. After that the status
// is sent; a failure ends the stream with an error part and a finish the page shows.
import type { UIMessageChunk } from "ai";
import { HttpError, isPublicError } from "../http-error";
import { logger } from "../logger";

/** Chunks that show the client something: once one is sent, the response is a stream. */
const FIRST_OUTPUT = new Set<UIMessageChunk["type"]>(["text-delta", "data-progress", "finish", "abort"]);

export const GENERATION_FAILED = "The model failed to answer. Try again.";

/**
 * Reads `stream` until its first output and answers a stream that replays what was read and then
 * goes on. An error part before that rejects instead, with the error that caused it (`causeOf`:
 * a public error keeps its status; anything else is logged and becomes a 500).
 */
export async function heldUntilFirstOutput(
  stream: ReadableStream<UIMessageChunk>,
  causeOf: () => unknown,
): Promise<ReadableStream<UIMessageChunk>> {
  const reader = stream.getReader();
  const held: UIMessageChunk[] = [];
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    if (next.value.type === "error") {
      void reader.cancel().catch(() => {});
      throw asPublic(causeOf(), next.value.errorText);
    }
    held.push(next.value);
    if (FIRST_OUTPUT.has(next.value.type)) break;
  }
  return new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of held) controller.enqueue(chunk);
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

function asPublic(cause: unknown, errorText: string) {
  if (isPublicError(cause)) return cause;
  logger.error("one-shot generation failed before its first token", { error: String(cause ?? errorText) });
  return new HttpError(500, "GENERATION_FAILED", GENERATION_FAILED);
}

/**
 * Makes sure a stream that carried an error also ends with a finish (marked failed), so the
 * client knows the run is over rather than waiting on a stream that just closed.
 */
export function finishAfterError(): TransformStream<UIMessageChunk, UIMessageChunk> {
  let failed = false;
  let finished = false;
  return new TransformStream({
    transform(chunk, controller) {
      if (chunk.type === "error") failed = true;
      if (chunk.type === "finish") finished = true;
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (failed && !finished) controller.enqueue({ type: "finish", messageMetadata: { status: "failed" } });
    },
  });
}
