// A chat generation outlives its HTTP response: it runs detached, logs its deltas, saves the
// message, and a reader attaching later (a reloaded tab) catches up. Real engine, real database.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { wrapLanguageModel } from "ai";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { sanitizeForStorage, textProblem } from "../common/text-hygiene";
import { pacingMiddleware } from "../registry/stream-pacing";
import { logger } from "../logger";
import { createRunRecorder } from "../usage/runs";
import { createChatStore, type ChatStore } from "./chat-store";
import { createGenerationLog, type GenerationLog } from "./generation-log";
import { createGenerationRunner, type GenerationRunner } from "./generation-runner";
import { generationStreamResponse } from "./ui-stream";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));

describe("generation runner", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let store: ChatStore;
  let log: GenerationLog;
  let runner: GenerationRunner;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    store = createChatStore(database.db);
    log = createGenerationLog(database.db, { flushIntervalMs: 10 });
    runner = createGenerationRunner({ log, store, runs: createRunRecorder(database.db), logger });
    const [user] = await database.db
      .insert(users)
      .values({ email: "r@example.com", name: "R", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await loaded.dispose();
    await database.close();
  });

  async function startChat(maxOutputTokens: number, on: { runner?: GenerationRunner; model?: LanguageModelV3 } = {}) {
    const chat = await store.createChat(userId);
    const question = await store.addMessage(userId, chat.id, {
      role: "user",
      parts: [{ type: "text", text: "Hi" }],
      parentId: null,
    });
    const answer = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: question.id });
    const generationId = await (on.runner ?? runner).start({
      userId,
      chatId: chat.id,
      assistantMessageId: answer.id,
      modelId: "tiny-llama",
      model: on.model ?? createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      messages: [{ role: "user", content: "Hi" }],
      decoding: { temperature: 0, maxOutputTokens },
    });
    return { chat, answer, generationId };
  }

  async function readAll(response: Response) {
    const text = await response.text();
    return text
      .split("\n\n")
      .filter((block) => block.includes("data: {"))
      .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)) as { type: string; delta?: string });
  }

  test("runs to the end without any reader; a later reader replays it all; the message and run are saved", async () => {
    const { chat, answer, generationId } = await startChat(12);
    // Nobody reads while it runs: it still completes.
    for await (const e of log.follow(generationId, 0)) void e;
    const view = await store.getChat(userId, chat.id);
    const saved = view.path.at(-1)!;
    assert.equal(saved.id, answer.id);
    const savedText = (saved.parts[0] as { text: string }).text;
    assert.ok(savedText.length > 0);
    assert.equal(saved.completionTokens, 12);
    assert.equal(saved.modelId, "tiny-llama");

    const chunks = await readAll(
      generationStreamResponse({
        log,
        generationId,
        messageId: answer.id,
        afterSeq: 0,
        signal: new AbortController().signal,
      }),
    );
    assert.deepEqual(
      chunks.slice(0, 2).map((c) => c.type),
      ["start", "text-start"],
    );
    assert.equal(
      chunks
        .filter((c) => c.type === "text-delta")
        .map((c) => c.delta)
        .join(""),
      savedText,
      "the replayed deltas are the saved answer",
    );
    assert.equal(chunks.at(-1)?.type, "finish");
    const [run] = await database.db.select().from(runs);
    assert.equal(run?.status, "completed");
    assert.equal(run?.completionTokens, 12);
  });

  test("resuming after a sequence number gives only what came after (Last-Event-ID)", async () => {
    const { answer, generationId } = await startChat(8);
    for await (const e of log.follow(generationId, 0)) void e;
    const all = await log.eventsAfter(generationId, 0);
    const chunks = await readAll(
      generationStreamResponse({
        log,
        generationId,
        messageId: answer.id,
        afterSeq: 3,
        signal: new AbortController().signal,
      }),
    );
    const expected = all.filter((e) => e.seq > 3 && e.type === "text").map((e) => (e.data as { delta: string }).delta);
    assert.deepEqual(
      chunks.filter((c) => c.type === "text-delta").map((c) => c.delta),
      expected,
    );
  });

  test("stop ends it early, frees the engine slot, and keeps the partial answer", async () => {
    const { chat, generationId } = await startChat(200);
    // Wait for some output, then stop.
    for await (const e of log.follow(generationId, 0)) if (e.seq >= 2) break;
    assert.equal(await runner.stop(generationId), true);
    assert.equal(await log.statusOf(generationId), "stopped");
    assert.equal(loaded.stats().active, 0, "the slot is free at once");
    const saved = (await store.getChat(userId, chat.id)).path.at(-1)!;
    assert.ok(saved.completionTokens! > 0 && saved.completionTokens! < 200, "partial output is counted");
    assert.equal(await runner.stop(generationId), false, "already stopped");
  });

  test("Stop pressed on another instance reaches the one writing the answer, through the database", async () => {
    // Two instances of Loom sharing one database: A runs the generation, B gets the Stop.
    const logA = createGenerationLog(database.db, { flushIntervalMs: 10, heartbeatMs: 20 });
    const instanceA = createGenerationRunner({ log: logA, store, runs: createRunRecorder(database.db), logger });
    const logB = createGenerationLog(database.db);
    const instanceB = createGenerationRunner({ log: logB, store, runs: createRunRecorder(database.db), logger });
    // Real engine, paced (as LOOM_STREAM_DELAY_MS does) so the answer outlasts a few heartbeats.
    const paced = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: pacingMiddleware(20),
    });
    const { chat, generationId } = await startChat(200, { runner: instanceA, model: paced });
    for await (const e of logA.follow(generationId, 0)) if (e.seq >= 2) break;

    assert.equal(await instanceB.stop(generationId), false, "B does not run it");
    assert.equal(await logB.requestStop(generationId), true);
    for await (const e of logB.follow(generationId, 0)) void e; // ends with A's finish event
    assert.equal(await logB.statusOf(generationId), "stopped");
    const saved = (await store.getChat(userId, chat.id)).path.at(-1)!;
    assert.ok(saved.completionTokens! > 0 && saved.completionTokens! < 200, "the partial answer is kept");
    assert.equal(await logB.requestStop(generationId), false, "nothing left to stop");
  });

  test("model output that decodes to NUL or a lone surrogate is stored, cleaned", async () => {
    // Deltas with what PostgreSQL refuses in jsonb and text: a NUL (what a token id 0 decodes
    // to), lone surrogates, and a surrogate pair split across two deltas (which must survive).
    const deltas = ["Hi\u0000", "\uDC00 there", " \uD83D", "\uDE00!", " x\u0000\uD800", "end"];
    const { chat, generationId } = await startChat(8, { model: scriptedModel(deltas) });
    for await (const e of log.follow(generationId, 0)) void e;
    assert.equal(await log.statusOf(generationId), "completed");
    const saved = (await store.getChat(userId, chat.id)).path.at(-1)!;
    const text = (saved.parts[0] as { text: string }).text;
    assert.equal(text, "Hi\uFFFD there \uD83D\uDE00! x\uFFFDend");
    assert.equal(text, sanitizeForStorage(deltas.join("")));
    assert.equal(textProblem(text), undefined, "no NUL, no lone surrogate");
    const logged = (await log.eventsAfter(generationId, 0))
      .filter((e) => e.type === "text")
      .map((e) => (e.data as { delta: string }).delta)
      .join("");
    assert.equal(logged, text, "the log holds the same text");
  });
});

/** A model that streams the given deltas, for output the tiny test model cannot be made to write. */
function scriptedModel(deltas: string[]): LanguageModelV3 {
  const tokens = { total: deltas.length, text: deltas.length, reasoning: undefined };
  const parts: LanguageModelV3StreamPart[] = [
    { type: "stream-start", warnings: [] },
    { type: "text-start", id: "t" },
    ...deltas.map((delta): LanguageModelV3StreamPart => ({ type: "text-delta", id: "t", delta })),
    { type: "text-end", id: "t" },
    {
      type: "finish",
      finishReason: { unified: "stop", raw: undefined },
      usage: {
        inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: tokens,
      },
    },
  ];
  return {
    specificationVersion: "v3",
    provider: "test",
    modelId: "scripted",
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error("stream only")),
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  };
}
