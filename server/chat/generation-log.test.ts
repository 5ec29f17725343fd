import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { generationEvents, generations, messages, runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "./chat-store";
import { UNSAVED_MESSAGE, type AbandonReason } from "./event-writer";
import { flakyDb } from "./flaky-db";
import { createGenerationLog, type GenerationLog, type StoredEvent } from "./generation-log";
import { INTERRUPTED_MESSAGE } from "./generation-recovery";

const deltasOf = (events: StoredEvent[]) =>
  events.flatMap((e) => (e.type === "text" ? [(e.data as { delta: string }).delta] : []));

describe("generation log", () => {
  let database: Database;
  let log: GenerationLog;
  let ids: { chatId: string; messageId: string; userId: string; modelId: string };
  let store: ChatStore;
  const rejections: unknown[] = [];
  const trap = (reason: unknown) => void rejections.push(reason);

  before(async () => {
    process.on("unhandledRejection", trap);
    database = await openTestDatabase();
    log = createGenerationLog(database.db, { maxBatch: 4, flushIntervalMs: 20, heartbeatMs: 50 });
    const [user] = await database.db
      .insert(users)
      .values({ email: "g@example.com", name: "G", passwordHash: "x" })
      .returning();
    store = createChatStore(database.db);
    const chat = await store.createChat(user!.id);
    const message = await store.addMessage(user!.id, chat.id, { role: "assistant", parts: [], parentId: null });
    ids = { chatId: chat.id, messageId: message.id, userId: user!.id, modelId: "m" };
  });
  after(async () => {
    process.off("unhandledRejection", trap);
    await database.close();
    assert.deepEqual(rejections, [], "no write of the log was left to reject unhandled");
  });

  /** A generation of its own (own chat and message), for tests that look at what recovery wrote. */
  async function ownGeneration() {
    const chat = await store.createChat(ids.userId);
    const message = await store.addMessage(ids.userId, chat.id, { role: "assistant", parts: [], parentId: null });
    const generationId = await log.start({ ...ids, chatId: chat.id, messageId: message.id });
    return { chatId: chat.id, messageId: message.id, generationId };
  }

  /** Makes a generation look like its process died: no heartbeat for a minute. */
  const makeStale = (generationId: string) =>
    database.db
      .update(generations)
      .set({ heartbeatAt: new Date(Date.now() - 60_000) })
      .where(eq(generations.id, generationId));

  const storedMessage = async (messageId: string) =>
    (await database.db.select().from(messages).where(eq(messages.id, messageId)))[0]!;

  test("a late reader catches up from any sequence number and then follows live", async () => {
    const id = await log.start(ids);
    const w = log.writer(id);
    for (const word of ["Once", " upon", " a"]) w.append({ type: "text", data: { delta: word } });
    await w.flush();

    // A reader that saw event 1 resumes after it.
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of log.follow(id, 1))
        seen.push(e.type === "text" ? (e.data as { delta: string }).delta : `<${e.type}>`);
    })();
    w.append({ type: "text", data: { delta: " time" } });
    await w.finish("completed");
    await reading;
    assert.deepEqual(seen, [" upon", " a", " time", "<finish>"]);
    const all = await log.eventsAfter(id, 0);
    assert.deepEqual(
      all.map((e) => e.seq),
      [1, 2, 3, 4, 5],
      "sequence numbers are gap-free",
    );
    assert.equal(await log.statusOf(id), "completed");
  });

  test("a generation whose heartbeat stopped is marked interrupted, and its readers end", async () => {
    const id = await log.start(ids);
    await database.db
      .update(generations)
      .set({ heartbeatAt: new Date(Date.now() - 60_000) })
      .where(eq(generations.id, id));
    const marked = await log.markInterrupted(1_000);
    assert.deepEqual(marked, [id]);
    assert.equal(await log.statusOf(id), "interrupted");
    const events = [];
    for await (const e of log.follow(id, 0)) events.push(e);
    assert.deepEqual(events.at(-1)?.data, { status: "interrupted" });
  });

  test("a live generation with a fresh heartbeat is left alone", async () => {
    const id = await log.start(ids);
    const w = log.writer(id);
    w.append({ type: "text", data: { delta: "x" } });
    await w.flush();
    assert.deepEqual(await log.markInterrupted(1_000), []);
    await w.finish("stopped");
    assert.equal(await log.statusOf(id), "stopped");
  });

  test("a stop requested through the database reaches the writer with its next heartbeat", async () => {
    const id = await log.start(ids);
    let stopAsked!: () => void;
    const asked = new Promise<void>((resolve) => (stopAsked = resolve));
    const w = log.writer(id, { onStopRequested: () => stopAsked() });
    assert.equal(await log.requestStop(id), true);
    await asked; // within one heartbeat (50 ms here)
    await w.finish("stopped");
    assert.equal(await log.requestStop(id), false, "a finished generation cannot be asked again");
  });

  test("recovery keeps what was said: the text is rebuilt from the log, the finish goes after max(seq)", async () => {
    const { generationId, messageId } = await ownGeneration();
    // A crash between the events insert and the last_seq update: last_seq lags max(seq).
    await database.db
      .insert(generationEvents)
      .values(
        ["It ", "was ", "said."].map((delta, i) => ({ generationId, seq: i + 1, type: "text", data: { delta } })),
      );
    await database.db.update(generations).set({ lastSeq: 1 }).where(eq(generations.id, generationId));
    const [run] = await database.db
      .insert(runs)
      .values({ userId: ids.userId, app: "chat", modelId: "m", messageId })
      .returning();
    await makeStale(generationId);

    assert.ok((await log.markInterrupted(1_000)).includes(generationId));
    const events = await log.eventsAfter(generationId, 0);
    assert.deepEqual(
      events.map((e) => [e.seq, e.type]),
      [
        [1, "text"],
        [2, "text"],
        [3, "text"],
        [4, "finish"],
      ],
    );
    const [row] = await database.db.select().from(generations).where(eq(generations.id, generationId));
    assert.equal(row?.status, "interrupted");
    assert.equal(row?.lastSeq, 4);
    assert.equal(row?.error, INTERRUPTED_MESSAGE);
    const message = await storedMessage(messageId);
    assert.deepEqual(message.parts, [{ type: "text", text: "It was said." }], "the text is kept");
    assert.equal(message.completionTokens, 3);
    const [finishedRun] = await database.db.select().from(runs).where(eq(runs.id, run!.id));
    assert.equal(finishedRun?.status, "interrupted");
    assert.equal(finishedRun?.completionTokens, 3);

    // Idempotent: a second start changes nothing.
    assert.ok(!(await log.markInterrupted(1_000)).includes(generationId));
    const again = await database.db
      .select({ seq: generationEvents.seq })
      .from(generationEvents)
      .where(eq(generationEvents.generationId, generationId))
      .orderBy(asc(generationEvents.seq));
    assert.equal(again.length, 4);
  });

  test("recovery: a finish event already stored says how it ended; a saved message is left as it is", async () => {
    const { generationId, messageId } = await ownGeneration();
    await store.updateMessage(messageId, { parts: [{ type: "text", text: "Saved by the writer." }] });
    await database.db.insert(generationEvents).values([
      { generationId, seq: 1, type: "text", data: { delta: "Saved" } },
      { generationId, seq: 2, type: "finish", data: { status: "completed" } },
    ]);
    await makeStale(generationId);
    assert.ok((await log.markInterrupted(1_000)).includes(generationId));
    assert.equal(await log.statusOf(generationId), "completed");
    assert.equal((await log.eventsAfter(generationId, 0)).length, 2, "no second finish event");
    assert.deepEqual((await storedMessage(messageId)).parts, [{ type: "text", text: "Saved by the writer." }]);
  });

  test("recovery of a generation that wrote nothing leaves its message empty", async () => {
    const { generationId, messageId } = await ownGeneration();
    await makeStale(generationId);
    await log.markInterrupted(1_000);
    await log.markInterrupted(1_000);
    assert.deepEqual(
      (await log.eventsAfter(generationId, 0)).map((e) => [e.seq, e.type]),
      [[1, "finish"]],
    );
    assert.deepEqual((await storedMessage(messageId)).parts, []);
  });
});

describe("generation log: the database fails", () => {
  let database: Database;
  let store: ChatStore;
  let userId: string;
  const rejections: unknown[] = [];
  const trap = (reason: unknown) => void rejections.push(reason);
  // Fast retries, so that the bounds are reached in milliseconds.
  const retry = { initialDelayMs: 5, maxDelayMs: 20 };

  before(async () => {
    process.on("unhandledRejection", trap);
    database = await openTestDatabase();
    store = createChatStore(database.db);
    const [user] = await database.db
      .insert(users)
      .values({ email: "f@example.com", name: "F", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    process.off("unhandledRejection", trap);
    await database.close();
    assert.deepEqual(rejections, [], "no failed write was left to reject unhandled");
  });

  async function newGeneration(log: GenerationLog) {
    const chat = await store.createChat(userId);
    const message = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: null });
    const generationId = await log.start({ chatId: chat.id, messageId: message.id, userId, modelId: "m" });
    return { chatId: chat.id, messageId: message.id, generationId };
  }

  test("events appended while the database is away wait in the buffer and are stored when it is back", async () => {
    const flaky = flakyDb(database.db);
    const log = createGenerationLog(flaky.db, { flushIntervalMs: 5, retry: { ...retry, maxOutageMs: 10_000 } });
    const { generationId } = await newGeneration(log);
    const w = log.writer(generationId);
    w.append({ type: "text", data: { delta: "Once" } });
    await w.flush();
    flaky.down(); // simulated outage
    w.append({ type: "text", data: { delta: " upon" } });
    w.append({ type: "text", data: { delta: " a time" } });
    const flushed = w.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(flaky.failures > 1, "the writes were retried");
    flaky.up();
    await flushed;
    await w.finish("completed");
    const events = await log.eventsAfter(generationId, 0);
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.equal(deltasOf(events).join(""), "Once upon a time");
    assert.equal(await log.statusOf(generationId), "completed");
    assert.equal(w.state, "finished");
  });

  test("past the bound the writer gives up; readers here get the end while the database is still down", async () => {
    const flaky = flakyDb(database.db);
    const log = createGenerationLog(flaky.db, { flushIntervalMs: 5, retry: { ...retry, maxOutageMs: 100 } });
    const { generationId, messageId } = await newGeneration(log);
    const abandoned: AbandonReason[] = [];
    const w = log.writer(generationId, { onAbandoned: (reason) => abandoned.push(reason) });
    const read: StoredEvent[] = [];
    const reading = (async () => {
      for await (const e of log.follow(generationId, 0)) read.push(e);
    })();
    w.append({ type: "text", data: { delta: "Kept" } });
    await w.flush();
    flaky.down();
    w.append({ type: "text", data: { delta: " lost" } });
    await w.flush(); // resolves when the writer gives up
    assert.deepEqual(abandoned, ["unsaved"]);
    assert.equal(w.state, "unsaved");
    await reading; // ends with the database still down
    assert.deepEqual(read.at(-1), {
      seq: 2,
      type: "finish",
      data: { status: "interrupted", error: UNSAVED_MESSAGE },
    });
    await w.finish("completed"); // nothing to do, and no rejection
    flaky.up();

    // The sweep, once the database is back, keeps what was stored.
    assert.ok((await log.markInterrupted(0)).includes(generationId));
    const events = await log.eventsAfter(generationId, 0);
    assert.deepEqual(deltasOf(events), ["Kept"]);
    assert.deepEqual(events.at(-1), { seq: 2, type: "finish", data: { status: "interrupted" } });
    assert.equal(await log.statusOf(generationId), "interrupted");
    const [message] = await database.db.select().from(messages).where(eq(messages.id, messageId));
    assert.deepEqual(message?.parts, [{ type: "text", text: "Kept" }]);
  });

  test("a database that hangs: past the buffer's bound the writer gives up, and finish does not wait", async () => {
    const flaky = flakyDb(database.db);
    const log = createGenerationLog(flaky.db, { maxBatch: 2, retry: { ...retry, maxBufferedEvents: 5 } });
    const { generationId } = await newGeneration(log);
    const abandoned: AbandonReason[] = [];
    const w = log.writer(generationId, { onAbandoned: (reason) => abandoned.push(reason) });
    flaky.hang();
    for (let i = 0; i < 10; i++) w.append({ type: "text", data: { delta: String(i) } });
    assert.deepEqual(abandoned, ["unsaved"]);
    await w.finish("completed"); // resolves although a write still hangs
    flaky.up();
    const read = [];
    for await (const e of log.follow(generationId, 0)) read.push(e);
    assert.deepEqual(read, [{ seq: 1, type: "finish", data: { status: "interrupted", error: UNSAVED_MESSAGE } }]);
  });

  test("a generation whose chat was deleted: its writer gives up quietly", async () => {
    const log = createGenerationLog(database.db, { flushIntervalMs: 5, retry });
    const { generationId, chatId } = await newGeneration(log);
    const abandoned: AbandonReason[] = [];
    const w = log.writer(generationId, { onAbandoned: (reason) => abandoned.push(reason) });
    w.append({ type: "text", data: { delta: "a" } });
    await w.flush();
    await store.deleteChat(userId, chatId);
    w.append({ type: "text", data: { delta: "b" } });
    await w.flush(); // the insert's foreign key fails: no rejection
    assert.deepEqual(abandoned, ["gone"]);
    await w.finish("completed");
    const read = [];
    for await (const e of log.follow(generationId, 0)) read.push(e);
    assert.deepEqual(read, [], "a reader of a deleted generation ends at once");
  });
});
