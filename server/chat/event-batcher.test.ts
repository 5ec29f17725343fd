// The shared event batcher: the batches of every running generation in one statement, errors
// landing on the generation they belong to, and a bound on the statements a chat answer costs
// (it fails if per-token or per-generation writes come back).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../../db/client";
import { countStatements } from "../../db/count-statements";
import { generationEvents, generations, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "./chat-store";
import { createEventBatcher, type EventRow } from "./event-batcher";
import { createGenerationLog } from "./generation-log";

const textRows = (generationId: string, from: number, count: number): EventRow[] =>
  Array.from({ length: count }, (_, i) => ({
    generationId,
    seq: from + i,
    type: "text",
    data: { delta: `w${from + i} ` },
  }));

describe("event batcher", () => {
  let database: Database;
  let store: ChatStore;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    store = createChatStore(database.db);
    const [user] = await database.db
      .insert(users)
      .values({ email: "b@example.com", name: "B", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(() => database.close());

  async function newGeneration() {
    const chat = await store.createChat(userId);
    const message = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: null });
    const [row] = await database.db
      .insert(generations)
      .values({ chatId: chat.id, messageId: message.id, userId, modelId: "m" })
      .returning({ id: generations.id });
    return row!.id;
  }

  const lastSeqs = async (ids: string[]) =>
    Object.fromEntries(
      (
        await database.db
          .select({ id: generations.id, lastSeq: generations.lastSeq })
          .from(generations)
          .where(inArray(generations.id, ids))
      ).map((r) => [r.id, r.lastSeq]),
    );

  test("the batches of many generations go in one statement; each moves its own last_seq", async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => newGeneration()));
    const counter = countStatements(database.db);
    const batcher = createEventBatcher(database.db, { windowMs: 10 });
    const answers = await Promise.all(ids.map((id, i) => batcher.store(id, textRows(id, 1, i + 1))));
    counter.restore();
    assert.deepEqual(answers, Array(10).fill(true), "every generation is still running");
    assert.equal(counter.statements, 1);
    assert.deepEqual(await lastSeqs(ids), Object.fromEntries(ids.map((id, i) => [id, i + 1])));
    const stored = await database.db
      .select({ seq: generationEvents.seq })
      .from(generationEvents)
      .where(eq(generationEvents.generationId, ids[9]!))
      .orderBy(asc(generationEvents.seq));
    assert.deepEqual(
      stored.map((r) => r.seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  test("a retried batch (already stored) still moves last_seq; one ended elsewhere says so", async () => {
    const [again, ended] = [await newGeneration(), await newGeneration()];
    const batcher = createEventBatcher(database.db, { windowMs: 5 });
    await batcher.store(again, textRows(again, 1, 3));
    await database.db.update(generations).set({ lastSeq: 0 }).where(eq(generations.id, again));
    await database.db.update(generations).set({ status: "interrupted" }).where(eq(generations.id, ended));
    const [retried, elsewhere] = await Promise.all([
      batcher.store(again, textRows(again, 1, 3)),
      batcher.store(ended, textRows(ended, 1, 2)),
    ]);
    assert.equal(retried, true);
    assert.equal(elsewhere, false, "ended by another instance: its writer stops");
    assert.equal((await lastSeqs([again]))[again], 3);
  });

  test("a generation whose row is gone fails alone; the others in its batch are stored", async () => {
    const [first, second] = [await newGeneration(), await newGeneration()];
    const gone = randomUUID(); // as when its chat was deleted meanwhile: the foreign key refuses it
    const batcher = createEventBatcher(database.db, { windowMs: 5 });
    const results = await Promise.allSettled([
      batcher.store(first, textRows(first, 1, 2)),
      batcher.store(gone, textRows(gone, 1, 2)),
      batcher.store(second, textRows(second, 1, 2)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.deepEqual(await lastSeqs([first, second]), { [first]: 2, [second]: 2 });
  });

  test("four answers of 256 tokens written together cost fewer than 8 event-log statements each", async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => newGeneration()));
    const counter = countStatements(database.db);
    const log = createGenerationLog(database.db, { heartbeatMs: 60_000 });
    const writers = ids.map((id) => log.writer(id));
    // Four answers streamed together, a token every millisecond or so, as the engine delivers them.
    // Batched: about 4 statements each (start of the writes, shared batches, the finish); a write
    // per generation per flush was 21, per token 256 or more.
    for (let token = 0; token < 256; token++) {
      for (const writer of writers) writer.append({ type: "text", data: { delta: "w " } });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(writers.map((w) => w.finish("completed")));
    counter.restore();
    assert.deepEqual(await lastSeqs(ids), Object.fromEntries(ids.map((id) => [id, 257])));
    const perAnswer = counter.statements / ids.length;
    assert.ok(perAnswer < 8, `${perAnswer} statements per answer of 256 tokens`);
  });
});
