// The generation log's write path: every running generation's events in one statement per batch,
// each generation's high-water mark moved with them, and one generation's failure kept to itself.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database, Db } from "../../db/client";
import { chats, generations, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "./chat-store";
import { createEventBatcher, type EventRow } from "./event-batcher";
import { createGenerationLog } from "./generation-log";

describe("event batcher", () => {
  let database: Database;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    const [user] = await database.db
      .insert(users)
      .values({ email: "b@example.com", name: "B", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(() => database.close());

  async function newGeneration() {
    const store = createChatStore(database.db);
    const chat = await store.createChat(userId);
    const message = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: null });
    const log = createGenerationLog(database.db);
    return {
      chatId: chat.id,
      generationId: await log.start({ chatId: chat.id, messageId: message.id, userId, modelId: "m" }),
    };
  }

  /** The database with its statements counted. */
  function counting(db: Db) {
    const counter = { statements: 0 };
    const counted = new Proxy(db, {
      get(target, key, receiver) {
        if (key === "execute") {
          return (...args: Parameters<Db["execute"]>) => {
            counter.statements++;
            return target.execute(...args);
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    return { db: counted, counter };
  }

  const text = (generationId: string, seq: number): EventRow => ({
    generationId,
    seq,
    type: "text",
    data: { delta: ` w${seq}` },
  });

  test("twenty generations' events go in one statement, and each last_seq moves with them", async () => {
    const running = await Promise.all(Array.from({ length: 20 }, newGeneration));
    const { db, counter } = counting(database.db);
    const written = new Map<string, number[]>();
    const batcher = createEventBatcher(db, {
      maxBatch: 1_000,
      flushIntervalMs: 1_000,
      onWritten: (id, rows) =>
        written.set(
          id,
          rows.map((r) => r.seq),
        ),
    });
    let batch;
    for (const { generationId } of running) for (const seq of [1, 2, 3]) batch = batcher.add(text(generationId, seq));
    const failures = await batcher.flush(batch!);
    assert.equal(failures.size, 0);
    assert.equal(counter.statements, 1, "one statement for all of them");
    for (const { generationId } of running) {
      assert.deepEqual(written.get(generationId), [1, 2, 3], "its readers are handed its rows");
      const [row] = await database.db
        .select({ lastSeq: generations.lastSeq })
        .from(generations)
        .where(eq(generations.id, generationId));
      assert.equal(row!.lastSeq, 3);
    }
  });

  test("a generation whose chat was deleted fails alone; the others in its batch are stored", async () => {
    const [doomed, kept] = [await newGeneration(), await newGeneration()];
    const batcher = createEventBatcher(database.db, { maxBatch: 1_000, flushIntervalMs: 1_000, onWritten: () => {} });
    batcher.add(text(doomed.generationId, 1));
    const batch = batcher.add(text(kept.generationId, 1));
    await database.db.delete(chats).where(eq(chats.id, doomed.chatId)); // cascades to its generation
    const failures = await batcher.flush(batch);
    assert.deepEqual([...failures.keys()], [doomed.generationId]);
    const log = createGenerationLog(database.db);
    assert.deepEqual(
      (await log.eventsAfter(kept.generationId, 0)).map((e) => e.seq),
      [1],
    );
  });

  test("a batch larger than one statement is stored whole", async () => {
    const { generationId } = await newGeneration();
    const batcher = createEventBatcher(database.db, { maxBatch: 10_000, flushIntervalMs: 1_000, onWritten: () => {} });
    let batch;
    for (let seq = 1; seq <= 2_500; seq++) batch = batcher.add(text(generationId, seq));
    assert.equal((await batcher.flush(batch!)).size, 0);
    const [row] = await database.db
      .select({ lastSeq: generations.lastSeq })
      .from(generations)
      .where(eq(generations.id, generationId));
    assert.equal(row!.lastSeq, 2_500);
  });

  test("while one batch is written the next collects: a slow database gets fewer, larger batches", async () => {
    const { generationId } = await newGeneration();
    const { db, counter } = counting(database.db);
    const batcher = createEventBatcher(db, { maxBatch: 1, flushIntervalMs: 1_000, onWritten: () => {} });
    let last;
    for (let seq = 1; seq <= 50; seq++) last = batcher.add(text(generationId, seq)); // each add reaches maxBatch
    await batcher.flush(last!);
    assert.ok(counter.statements < 10, `${counter.statements} statements for 50 events`);
    const log = createGenerationLog(database.db);
    assert.equal((await log.eventsAfter(generationId, 0)).length, 50);
  });
});
