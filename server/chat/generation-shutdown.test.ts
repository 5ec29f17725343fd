// A chat generation still running when the server's grace period ends is cut, not dropped: its
// readers get the shutdown notice and a finish, and the partial answer is saved as stopped.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { MockLanguageModelV3 } from "ai/test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { logger } from "../logger";
import { toUiMessages } from "../../app/chat.server";
import { SHUTDOWN_NOTICE } from "../shutdown-notice";
import { createRunRecorder } from "../usage/runs";
import { createChatStore, type ChatStore } from "./chat-store";
import { createGenerationLog, type GenerationLog } from "./generation-log";
import { createGenerationRunner, type GenerationRunner } from "./generation-runner";
import { generationStreamResponse } from "./ui-stream";

/** A model that writes `words` words, one every 10 ms (forever when unset), and honours its abort signal. */
function wordsModel(words = Infinity) {
  return new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => {
      let written = 0;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "0" });
          },
          async pull(controller) {
            await sleep(10);
            if (abortSignal?.aborted) return controller.error(abortSignal.reason);
            if (written++ < words) return controller.enqueue({ type: "text-delta", id: "0", delta: "word " });
            controller.enqueue({ type: "text-end", id: "0" });
            controller.enqueue({
              type: "finish",
              finishReason: { unified: "stop", raw: "stop" },
              usage: {
                inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
                outputTokens: { total: words, text: words, reasoning: 0 },
              },
            });
            controller.close();
          },
        }),
      };
    },
  });
}

describe("chat generations at shutdown", () => {
  let database: Database;
  let store: ChatStore;
  let log: GenerationLog;
  let runner: GenerationRunner;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    store = createChatStore(database.db);
    log = createGenerationLog(database.db, { flushIntervalMs: 10 });
    runner = createGenerationRunner({ log, store, runs: createRunRecorder(database.db), logger });
    const [user] = await database.db
      .insert(users)
      .values({ email: "s@example.com", name: "S", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(() => database.close());

  async function startChat(words?: number) {
    const chat = await store.createChat(userId);
    const question = await store.addMessage(userId, chat.id, {
      role: "user",
      parts: [{ type: "text", text: "Hi" }],
      parentId: null,
    });
    const answer = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: question.id });
    const generationId = await runner.start({
      userId,
      chatId: chat.id,
      assistantMessageId: answer.id,
      modelId: "mock",
      model: wordsModel(words),
      messages: [{ role: "user", content: "Hi" }],
    });
    return { chat, answer, generationId };
  }

  async function chunksOf(response: Response) {
    const text = await response.text();
    return text
      .split("\n\n")
      .filter((block) => block.includes("data: {"))
      .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)) as Record<string, unknown>);
  }

  test("one still running at the deadline ends stopped: its reader gets the notice and a finish, the partial answer is kept", async () => {
    const { chat, answer, generationId } = await startChat();
    for await (const e of log.follow(generationId, 0)) if (e.seq >= 2) break;
    const reading = chunksOf(
      generationStreamResponse({
        log,
        generationId,
        messageId: answer.id,
        afterSeq: 0,
        signal: new AbortController().signal,
      }),
    );

    await runner.shutdown(0);

    assert.equal(runner.active, 0);
    assert.equal(await log.statusOf(generationId), "stopped");
    const chunks = await reading;
    assert.deepEqual(
      chunks.slice(-2).map((c) => c.type),
      ["error", "finish"],
      "the stream ends with an error the page shows, then a finish",
    );
    assert.equal(chunks.at(-2)?.errorText, SHUTDOWN_NOTICE);
    assert.deepEqual(chunks.at(-1)?.messageMetadata, { status: "stopped" });
    const saved = (await store.getChat(userId, chat.id)).path.at(-1)!;
    assert.match((saved.parts[0] as { text: string }).text, /^(word )+$/, "the partial answer is saved");
    assert.equal(saved.status, "stopped", "the stored answer says it was stopped");
    const [page] = toUiMessages([saved], {}, new Map());
    assert.equal(page?.metadata.status, "stopped", "the reloaded page gets the mark");
    const [run] = await database.db.select().from(runs).where(eq(runs.messageId, answer.id));
    assert.equal(run?.status, "stopped");
  });

  test("one that ends within the grace period completes; shutdown returns as soon as it has", async () => {
    const { chat, generationId } = await startChat(3);
    const started = Date.now();
    await runner.shutdown(10_000);
    assert.ok(Date.now() - started < 2_000, "no wait for the rest of the grace period");
    assert.equal(await log.statusOf(generationId), "completed");
    const { path } = await store.getChat(userId, chat.id);
    assert.deepEqual(
      path.map((m) => m.status),
      [null, "completed"],
      "the question has no generation; the answer completed",
    );
    assert.equal(toUiMessages(path, {}, new Map())[1]?.metadata.status, undefined, "no mark on a finished answer");
  });

  test("idle() says whether every generation ended in time", async () => {
    assert.equal(await runner.idle(0), true, "nothing runs");
    const { generationId } = await startChat();
    assert.equal(await runner.idle(50), false);
    assert.equal(await runner.stop(generationId), true);
    assert.equal(await runner.idle(0), true);
  });
});
