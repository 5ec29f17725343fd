// The shared heartbeat: one statement per tick for every generation written in this process,
// and each generation still gets its own answer (a stop asked for elsewhere, its row gone).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { countStatements } from "../../db/count-statements";
import { chats, generations, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "./chat-store";
import { createGenerationLog } from "./generation-log";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("shared heartbeat", () => {
  let database: Database;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    const [user] = await database.db
      .insert(users)
      .values({ email: "h@example.com", name: "H", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(() => database.close());

  async function newGeneration() {
    const store = createChatStore(database.db);
    const chat = await store.createChat(userId);
    const message = await store.addMessage(userId, chat.id, { role: "assistant", parts: [], parentId: null });
    const [row] = await database.db
      .insert(generations)
      .values({ chatId: chat.id, messageId: message.id, userId, modelId: "m" })
      .returning();
    return { generationId: row!.id, chatId: chat.id };
  }

  test("eight live generations beat with one statement per tick, and each beat moves every row", async () => {
    const started = await Promise.all(Array.from({ length: 8 }, () => newGeneration()));
    const log = createGenerationLog(database.db, { heartbeatMs: 40 });
    const writers = started.map(({ generationId }) => log.writer(generationId));
    const before = new Date();
    const counter = countStatements(database.db);
    await sleep(400); // about ten ticks
    counter.restore();
    // A beat per generation would be about 80 statements here.
    assert.ok(counter.statements <= 12, `${counter.statements} heartbeat statements for 8 generations`);
    assert.ok(counter.statements >= 5, `${counter.statements}: the heartbeat stopped beating`);
    const rows = await database.db.select({ at: generations.heartbeatAt, id: generations.id }).from(generations);
    for (const { generationId } of started) {
      const row = rows.find((r) => r.id === generationId)!;
      assert.ok(row.at > before, `generation ${generationId} did not beat`);
    }
    await Promise.all(writers.map((w) => w.finish("completed")));
  });

  test("a stop asked for elsewhere reaches only its own writer; a deleted chat ends only its own", async () => {
    const [stopped, deleted, running] = await Promise.all([newGeneration(), newGeneration(), newGeneration()]);
    const log = createGenerationLog(database.db, { heartbeatMs: 30 });
    const stops: string[] = [];
    const abandoned: string[] = [];
    const hooksFor = (name: string) => ({
      onStopRequested: () => stops.push(name),
      onAbandoned: () => abandoned.push(name),
    });
    const writers = [
      log.writer(stopped.generationId, hooksFor("stopped")),
      log.writer(deleted.generationId, hooksFor("deleted")),
      log.writer(running.generationId, hooksFor("running")),
    ];
    assert.equal(await log.requestStop(stopped.generationId), true);
    await database.db.delete(chats).where(eq(chats.id, deleted.chatId));
    await sleep(150);
    assert.ok(stops.includes("stopped"), "the stop did not reach its writer");
    assert.ok(!stops.includes("running") && !stops.includes("deleted"));
    assert.deepEqual(abandoned, ["deleted"]);
    assert.equal(writers[1]!.state, "gone");
    assert.equal(writers[2]!.state, "writing");
    await Promise.all([writers[0]!.finish("stopped"), writers[2]!.finish("completed")]);
  });
});
