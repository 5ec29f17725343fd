// Turns a generation's event log into the AI SDK's UI message stream (server-sent events), with
// each event's sequence number as its SSE id, so a client can resume with Last-Event-ID. The AI
// SDK's own reconnect (useChat `resume`) replays from the start: sequence 0.
import type { UIMessageChunk } from "ai";
import type { GenerationLog } from "./generation-log";

const encoder = new TextEncoder();
const sse = (chunk: UIMessageChunk, id?: number) =>
  encoder.encode(`${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(chunk)}\n\n`);

export function generationStreamResponse(options: {
  log: GenerationLog;
  generationId: string;
  messageId: string;
  afterSeq: number;
  signal: AbortSignal;
  /** Sent with the start chunk: which model answers, and the parent, for the page. */
  metadata?: Record<string, unknown>;
}): Response {
  const { log, generationId, messageId, afterSeq, signal } = options;
  const textId = `${messageId}-text`;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      // A keep-alive comment every 15 s stops proxies from closing an idle stream.
      const keepAlive = setInterval(() => controller.enqueue(encoder.encode(": keep-alive\n\n")), 15_000);
      try {
        controller.enqueue(sse({ type: "start", messageId, messageMetadata: options.metadata }));
        controller.enqueue(sse({ type: "text-start", id: textId }));
        for await (const event of log.follow(generationId, afterSeq, signal)) {
          if (event.type === "text") {
            controller.enqueue(
              sse({ type: "text-delta", id: textId, delta: (event.data as { delta: string }).delta }, event.seq),
            );
          } else if (event.type === "finish") {
            const data = event.data as { status: string; error?: string };
            controller.enqueue(sse({ type: "text-end", id: textId }, event.seq));
            // Failures and interruptions always explain themselves; a stop does when it was not the
            // user's (a shutdown cut it: the finish event carries the notice).
            if (data.status === "failed" || data.status === "interrupted" || data.error) {
              controller.enqueue(
                sse({ type: "error", errorText: data.error ?? "The answer was interrupted before it was complete." }),
              );
            }
            controller.enqueue(sse({ type: "finish", messageMetadata: { status: data.status } }));
          }
        }
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      } catch (error) {
        if (!signal.aborted) controller.error(error);
      } finally {
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // already closed by a client that went away
        }
      }
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
      "x-vercel-ai-ui-message-stream": "v1",
    },
  });
}
