import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { createUIMessageStream, streamText, type UIMessageChunk } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { noticeWhenCut, SHUTDOWN_NOTICE, SHUTDOWN_REASON } from "./shutdown-notice";

/** A model that writes a word every 5 ms until aborted. */
const endless = () =>
  new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "0" });
        },
        async pull(controller) {
          await sleep(5);
          if (abortSignal?.aborted) return controller.error(abortSignal.reason);
          controller.enqueue({ type: "text-delta", id: "0", delta: "word " });
        },
      }),
    }),
  });

/** A one-shot answer's UI message stream (as server/generation/one-shot.ts builds it), aborted with `reason` once it has begun. */
async function cutWith(reason: unknown) {
  const controller = new AbortController();
  const signal = controller.signal;
  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      const result = streamText({ model: endless(), prompt: "Hi", abortSignal: signal, onError: () => {} });
      writer.merge(result.toUIMessageStream());
      await result.consumeStream({ onError: () => {} });
    },
  });
  const chunks: UIMessageChunk[] = [];
  const reader = stream.pipeThrough(noticeWhenCut(signal)).getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    // Cut once the answer has begun.
    if (read.value.type === "text-delta" && !signal.aborted) controller.abort(reason);
  }
  return chunks;
}

test("a stream cut by the shutdown ends with the notice as an error part, then a finish marked stopped", async () => {
  const chunks = await cutWith(SHUTDOWN_REASON);
  assert.ok(chunks.some((c) => c.type === "text-delta"));
  assert.deepEqual(chunks.slice(-2), [
    { type: "error", errorText: SHUTDOWN_NOTICE },
    { type: "finish", messageMetadata: { status: "stopped" } },
  ]);
  assert.equal(
    chunks.find((c) => c.type === "abort"),
    undefined,
  );
});

test("any other abort (the client went away) passes through as it is", async () => {
  const chunks = await cutWith(undefined);
  assert.equal(chunks.at(-1)?.type, "abort");
  assert.equal(
    chunks.find((c) => c.type === "error"),
    undefined,
  );
});
