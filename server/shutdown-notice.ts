// How a stream still running when the server's shutdown grace period ends is cut: its model is
// aborted with SHUTDOWN_REASON, and its reader gets an error it shows (the notice) and a finish,
// never a silently closed connection. Chat generations store the notice with their finish event;
// one-shot streams pass their UI message stream through noticeWhenCut.
import type { UIMessageChunk } from "ai";

export const SHUTDOWN_NOTICE = "The server shut down before this answer was finished. Try again in a moment.";

/** The abort reason of everything stopped by a shutdown (an AbortError, as the AI SDK expects). */
export const SHUTDOWN_REASON = new DOMException(SHUTDOWN_NOTICE, "AbortError");

export function isCutByShutdown(signal: AbortSignal) {
  return signal.aborted && signal.reason === SHUTDOWN_REASON;
}

/**
 * Replaces the abort chunk of a UI message stream cut by the shutdown (`signal` aborted with
 * SHUTDOWN_REASON) with an error part carrying the notice and a finish marked stopped. Any other
 * abort (the client went away) passes through.
 */
export function noticeWhenCut(signal: AbortSignal): TransformStream<UIMessageChunk, UIMessageChunk> {
  return new TransformStream({
    transform(chunk, controller) {
      if (chunk.type === "abort" && isCutByShutdown(signal)) {
        controller.enqueue({ type: "error", errorText: SHUTDOWN_NOTICE });
        controller.enqueue({ type: "finish", messageMetadata: { status: "stopped" } });
      } else {
        controller.enqueue(chunk);
      }
    },
  });
}
