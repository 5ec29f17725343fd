// Remote engines through the apps, with a real database and the real AI SDK client. The remote is
// a small real HTTP server written here that simulates an OpenAI-compatible engine, so that its
// faults can be injected: a refused connection, a 401, an answer that never comes (timeout), a
// stream that stops mid-answer, an answer that is not a label. (e2e/remote-engine.spec.ts runs a
// real second Loom as the remote.)
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { runs, users } from "../../../db/schema";
import { openTestDatabase } from "../../../db/test-database";
import { translateApp } from "../../apps/translate";
import { createChatStore } from "../../chat/chat-store";
import { createGenerationLog } from "../../chat/generation-log";
import { createGenerationRunner } from "../../chat/generation-runner";
import { streamOneShot } from "../../generation/one-shot";
import { classifySentiment } from "../../generation/sentiment";
import { logger } from "../../logger";
import { createRunRecorder } from "../../usage/runs";
import { createRegistry, type Registry } from "../registry";

const KEY = "sk-remote-test";
type Mode = "answer" | "stop-mid" | "hang" | "label" | "not-a-label";

/** The simulated remote: `mode` says how it answers the next chat completion. */
function startFakeRemote() {
  const state = { mode: "answer" as Mode, key: KEY, lastBody: undefined as Record<string, unknown> | undefined };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${state.key}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "bad key", type: "invalid_request_error" } }));
      return;
    }
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
      return;
    }
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      state.lastBody = JSON.parse(body) as Record<string, unknown>;
      const { mode } = state;
      if (mode === "hang") return; // headers never come: Loom's time limit ends it
      if (!state.lastBody.stream) {
        const content = mode === "not-a-label" ? "It is hard to say." : "Positive.";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "c1",
            object: "chat.completion",
            created: 0,
            model: "m",
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
            usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "Hello" }));
      res.write(chunk({ content: " there" }));
      if (mode === "stop-mid") {
        setTimeout(() => res.destroy(), 50); // the engine dies mid-answer
        return;
      }
      res.write(chunk({}, "stop"));
      res.write(
        `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 } })}\n\n`,
      );
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise<{ server: Server; state: typeof state; baseUrl: string }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, state, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` }),
    ),
  );
}

describe("remote engines in the apps", () => {
  let database: Database;
  let registry: Registry;
  let remote: Awaited<ReturnType<typeof startFakeRemote>>;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    remote = await startFakeRemote();
    registry = createRegistry({
      db: database.db,
      modelsDir: mkdtempSync(path.join(tmpdir(), "loom-store-")),
      logger,
      secretKey: "a-secret-of-at-least-thirty-two-characters",
    });
    await registry.addRemote({
      id: "remote-m",
      baseUrl: remote.baseUrl,
      model: "m",
      apiKey: KEY,
      timeoutMs: 1500,
      contextTokens: 2048,
      languages: ["en", "de"],
    });
    for (const app of ["chat", "translate", "sentiment"] as const) await registry.assign(app, "remote-m", true);
    const [user] = await database.db
      .insert(users)
      .values({ email: "remote@example.com", name: "R", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await registry.close();
    remote.server.closeAllConnections();
    await new Promise((r) => remote.server.close(r));
    await database.close();
  });

  /** The app's latest run once it has ended (a refusal's run is recorded just after it is answered). */
  const runsFor = async (app: "translate" | "sentiment" | "chat") => {
    for (let i = 0; ; i++) {
      const run = (await database.db.select().from(runs).where(eq(runs.app, app))).at(-1);
      if (run?.status !== "running" || i >= 100) return run;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const oneShot = (signal = new AbortController().signal) =>
    streamOneShot(
      { registry, runs: createRunRecorder(database.db) },
      { userId, app: "translate", task: translateApp({ text: "Good morning", source: "en", target: "de" }) },
      signal,
    );
  const textOf = async (stream: ReadableStream<{ type: string; delta?: string }>) => {
    const reader = stream.getReader();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      if (r.value.type === "text-delta") text += r.value.delta;
    return text;
  };

  test("the description: the row's context and languages, a token estimate (no tokenizer here)", async () => {
    const { description } = await registry.languageModel("chat");
    assert.equal(description.source, "remote");
    assert.equal(description.maxPositions, 2048);
    assert.equal(description.tokenCount, "estimate");
    assert.deepEqual(description.languages.pairs, [
      ["en", "de"],
      ["de", "en"],
    ]);
  });

  test("Translate sends Loom's task messages; the answer streams and the run completes", async () => {
    remote.state.mode = "answer";
    assert.equal(await textOf(await oneShot()), "Hello there");
    const messages = remote.state.lastBody!.messages as { role: string; content: string }[];
    assert.match(messages.at(-1)!.content, /Translate from English to German:\nGood morning/);
    assert.ok((remote.state.lastBody!.max_tokens as number) <= 1024, "the answer's room fits the context");
    assert.equal((await runsFor("translate"))?.status, "completed");
  });

  test("a 401 from the remote: refused before any output, saying so; the run failed", async () => {
    remote.state.mode = "answer";
    remote.state.key = "sk-rotated"; // the engine's key changed: it refuses Loom's
    try {
      await assert.rejects(oneShot(), (e: Error & { code?: string }) => {
        assert.equal(e.code, "REMOTE_AUTH");
        assert.match(e.message, /refused Loom's API key \(HTTP 401\)/);
        return true;
      });
    } finally {
      remote.state.key = KEY;
    }
    assert.equal((await runsFor("translate"))?.status, "failed");
  });

  test("an answer that never comes times out within the row's limit; the run failed", async () => {
    remote.state.mode = "hang";
    const started = Date.now();
    await assert.rejects(oneShot(), (e: Error & { code?: string }) => e.code === "REMOTE_TIMEOUT");
    assert.ok(Date.now() - started < 5000, "bounded by timeoutMs");
    const run = await runsFor("translate");
    assert.equal(run?.status, "failed");
  });

  test("a chat answer on a remote that dies mid-answer ends interrupted, its text kept", async () => {
    remote.state.mode = "stop-mid";
    const store = createChatStore(database.db);
    const log = createGenerationLog(database.db, { flushIntervalMs: 10 });
    const runner = createGenerationRunner({ log, store, runs: createRunRecorder(database.db), logger });
    const chat = await store.createChat(userId);
    const question = await store.addMessage(userId, chat.id, {
      role: "user",
      parts: [{ type: "text", text: "Hi" }],
      parentId: null,
    });
    const answer = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: question.id });
    const { model } = await registry.languageModel("chat");
    const generationId = await runner.start({
      userId,
      chatId: chat.id,
      assistantMessageId: answer.id,
      modelId: "remote-m",
      model,
      messages: [{ role: "user", content: "Hi" }],
      decoding: { maxOutputTokens: 64 },
    });
    let finish: { status: string; error?: string } | undefined;
    for await (const e of log.follow(generationId, 0)) if (e.type === "finish") finish = e.data as typeof finish;
    assert.equal(finish?.status, "interrupted");
    assert.match(finish?.error ?? "", /stopped mid-answer/);
    const saved = (await store.getChat(userId, chat.id)).path.at(-1)!;
    assert.equal((saved.parts[0] as { text: string }).text, "Hello there");
    assert.equal((await runsFor("chat"))?.status, "failed");
  });

  test("Sentiment with a remote model: a label in words, parsed; anything else is refused", async () => {
    const services = { registry, runs: createRunRecorder(database.db) };
    remote.state.mode = "label";
    const result = await classifySentiment(
      services,
      { userId, input: { texts: ["I love it"] } },
      new AbortController().signal,
    );
    assert.equal(result.results[0]!.label, "positive");
    assert.equal(result.model.method, "generated");
    remote.state.mode = "not-a-label";
    await assert.rejects(
      classifySentiment(services, { userId, input: { texts: ["Hmm"] } }, new AbortController().signal),
      (e: Error & { code?: string }) => e.code === "REMOTE_BAD_LABEL",
    );
    assert.equal((await runsFor("sentiment"))?.status, "failed");
  });

  test("health: checked in the background, cached in status(); down when the remote goes away", async () => {
    remote.state.mode = "answer";
    await registry.checkRemotes();
    assert.equal((await registry.status()).remotes["remote-m"]?.state, "up");
    remote.server.closeAllConnections();
    await new Promise((r) => remote.server.close(r));
    await registry.checkRemotes();
    const health = (await registry.status()).remotes["remote-m"];
    assert.equal(health?.state, "down");
    assert.match(health?.error ?? "", /Cannot reach/);
    // A refused connection: a failed run with the reason, before any output.
    await assert.rejects(oneShot(), (e: Error & { code?: string }) => e.code === "REMOTE_UNREACHABLE");
    assert.equal((await runsFor("translate"))?.status, "failed");
  });
});
