// The database fails while a chat answer is written: the process stays up (no unhandled
// rejection), what was committed stays, the streamed text is kept, and the next start's recovery
// succeeds. Simulated on any database (flaky-db.ts: queries fail for a while); with
// LOOM_TEST_PG_CTL and LOOM_TEST_PG_DATA set (CI: .ci/run), the real PostgreSQL of DATABASE_URL
// is restarted mid-answer.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { wrapLanguageModel } from "ai";
import { eq } from "drizzle-orm";
import type { Database, Db } from "../../db/client";
import { messages, runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { describeLocalModel } from "../apps/model-description";
import { logger } from "../logger";
import { pacingMiddleware } from "../registry/stream-pacing";
import { createRunRecorder } from "../usage/runs";
import { createChatStore } from "./chat-store";
import { startChatTurn, type ChatTurnServices } from "./chat-turn";
import { UNSAVED_MESSAGE } from "./event-writer";
import { flakyDb } from "./flaky-db";
import { createGenerationLog, type GenerationLogOptions, type StoredEvent } from "./generation-log";
import { createGenerationRunner } from "./generation-runner";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));
const pgCtl = process.env.LOOM_TEST_PG_CTL;
const pgData = process.env.LOOM_TEST_PG_DATA;

describe("generation faults: the database fails mid-answer", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let userId: string;
  const rejections: unknown[] = [];
  const trap = (reason: unknown) => void rejections.push(reason);

  before(async () => {
    process.on("unhandledRejection", trap);
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    const [user] = await database.db
      .insert(users)
      .values({ email: "faults@example.com", name: "F", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    process.off("unhandledRejection", trap);
    await loaded.dispose();
    await database.close();
  });

  /** One instance of Loom's chat over `db`: store, log, runner; greedy and paced (ms per delta). */
  function instance(db: Db, paceMs: number, logOptions: GenerationLogOptions) {
    const model = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: [
        { specificationVersion: "v3", transformParams: async ({ params }) => ({ ...params, temperature: 0 }) },
        pacingMiddleware(paceMs),
      ],
    });
    const chats = createChatStore(db);
    const generationLog = createGenerationLog(db, { flushIntervalMs: 10, ...logOptions });
    const runner = createGenerationRunner({ log: generationLog, store: chats, runs: createRunRecorder(db), logger });
    const services: ChatTurnServices = {
      chats,
      registry: {
        languageModel: async () => ({
          row: { id: "tiny-llama", displayName: "Tiny Llama" },
          model,
          description: describeLocalModel(loaded),
        }),
      },
      generations: runner,
      generationLog,
    };
    return { chats, generationLog, runner, services };
  }

  /** Starts an answer, and a reader in this process that collects every event it is given. */
  async function answer(chat: ReturnType<typeof instance>) {
    const { id: chatId } = await chat.chats.createChat(userId);
    const questionId = randomUUID();
    const turn = await startChatTurn(chat.services, userId, {
      chatId,
      parentId: null,
      message: { id: questionId, text: "Tell me a long story" },
    });
    const read: StoredEvent[] = [];
    let seen = (_n: number) => {};
    const reading = (async () => {
      for await (const e of chat.generationLog.follow(turn.generationId, 0)) {
        read.push(e);
        seen(read.length);
      }
    })();
    /** Resolves once the reader has `n` events. */
    const readAtLeast = (n: number) =>
      new Promise<void>((resolve) => {
        if (read.length >= n) return resolve();
        seen = (count) => count >= n && resolve();
      });
    return { chatId, questionId, turn, read, reading, readAtLeast };
  }

  const textOf = (events: StoredEvent[]) =>
    events.map((e) => (e.type === "text" ? (e.data as { delta: string }).delta : "")).join("");

  const storedMessage = async (id: string) => (await database.db.select().from(messages).where(eq(messages.id, id)))[0];

  test("away for a moment (simulated): the answer goes on and every delta is stored", async () => {
    const flaky = flakyDb(database.db);
    const chat = instance(flaky.db, 10, { retry: { initialDelayMs: 10, maxDelayMs: 50, maxOutageMs: 10_000 } });
    const { questionId, turn, read, reading, readAtLeast } = await answer(chat);
    await readAtLeast(2);
    flaky.down();
    await new Promise((resolve) => setTimeout(resolve, 300));
    flaky.up();
    await reading;

    assert.ok(flaky.failures > 0, "the outage was felt");
    assert.deepEqual(read.at(-1)?.data, { status: "completed" });
    const stored = await chat.generationLog.eventsAfter(turn.generationId, 0);
    assert.deepEqual(
      stored.map((e) => e.seq),
      stored.map((_, i) => i + 1),
      "no event lost or repeated",
    );
    const text = textOf(read);
    assert.ok(text.length > 0);
    assert.deepEqual((await storedMessage(turn.messageId))?.parts, [{ type: "text", text }]);
    assert.equal((await storedMessage(questionId))?.role, "user", "the question is intact");
    assert.equal(chat.runner.active, 0);
    assert.deepEqual(rejections, []);
  });

  test("away past the bound (simulated): ended as interrupted, readers here told, the text kept by recovery", async () => {
    const flaky = flakyDb(database.db);
    const chat = instance(flaky.db, 10, { retry: { initialDelayMs: 10, maxDelayMs: 20, maxOutageMs: 150 } });
    const { turn, read, reading, readAtLeast } = await answer(chat);
    await readAtLeast(3);
    flaky.down();
    await reading; // ends while the database is still down
    assert.deepEqual(read.at(-1)?.data, { status: "interrupted", error: UNSAVED_MESSAGE });
    for (let i = 0; i < 100 && chat.runner.active > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(chat.runner.active, 0, "the generation ended");
    assert.equal(loaded.stats().active, 0, "its engine slot is free");
    flaky.up();

    // The next start: recovery rebuilds the answer from its log, and a second run changes nothing.
    const restarted = createGenerationLog(database.db);
    assert.deepEqual(await restarted.markInterrupted(0), [turn.generationId]);
    assert.deepEqual(await restarted.markInterrupted(0), []);
    assert.equal(await restarted.statusOf(turn.generationId), "interrupted");
    const stored = await restarted.eventsAfter(turn.generationId, 0);
    const text = textOf(stored);
    assert.ok(text.length > 0 && text.startsWith(textOf(read)), "what was saved, readers saw a part of");
    assert.deepEqual((await storedMessage(turn.messageId))?.parts, [{ type: "text", text }]);
    const [run] = await database.db.select().from(runs).where(eq(runs.messageId, turn.messageId));
    assert.equal(run?.status, "interrupted");
    assert.deepEqual(rejections, []);
  });

  test(
    "the real PostgreSQL restarted mid-answer: the process stays up and the answer is kept",
    {
      skip:
        !(pgCtl && pgData && process.env.DATABASE_URL) && "needs LOOM_TEST_PG_CTL, LOOM_TEST_PG_DATA and DATABASE_URL",
    },
    async () => {
      const chat = instance(database.db, 20, {});
      const { chatId, questionId, turn, read, reading, readAtLeast } = await answer(chat);
      await readAtLeast(2);
      // Fast shutdown: open connections are closed (postgres.js reports CONNECTION_CLOSED or
      // 57P01), new ones are refused until it is back.
      await restartPostgres(pgCtl!, pgData!);
      await reading;

      assert.equal(read.at(-1)?.type, "finish");
      const text = textOf(read);
      assert.ok(text.length > 0);
      const answerRow = await storedMessage(turn.messageId);
      assert.deepEqual(answerRow?.parts, [{ type: "text", text }], "the streamed text is kept");
      const question = await storedMessage(questionId);
      assert.equal(question?.chatId, chatId, "committed messages are intact");
      assert.equal(chat.runner.active, 0);
      // The next start's recovery succeeds.
      await createGenerationLog(database.db).markInterrupted();
      assert.deepEqual(rejections, [], "no unhandled rejection: the process stays up");
    },
  );
});

/** `pg_ctl restart` as the postgres user, without blocking this process (the answer goes on). */
function restartPostgres(pgCtl: string, dataDir: string) {
  const args = ["-u", "postgres", "--", pgCtl, "-D", dataDir, "-l", join(dirname(dataDir), "log"), "-m", "fast"];
  return new Promise<void>((resolve, reject) => {
    // stdio ignored: the restarted server would otherwise hold our pipes open.
    const child = spawn("runuser", [...args, "-w", "restart"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl restart exited with ${code}`))));
  });
}
