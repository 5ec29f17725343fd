import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { generations, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "./chat-store";
import { createGenerationLog, type GenerationLog } from "./generation-log";

describe("generation log", () => {
  let database: Database;
  let log: GenerationLog;
  let ids: { chatId: string; messageId: string; userId: string; modelId: string };

  before(async () => {
    database = await openTestDatabase();
    log = createGenerationLog(database.db, { maxBatch: 4, flushIntervalMs: 20, heartbeatMs: 50 });
    const [user] = await database.db
      .insert(users)
      .values({ email: "g@example.com", name: "G", passwordHash: "x" })
      .returning();
    const store = createChatStore(database.db);
    const chat = await store.createChat(user!.id);
    const message = await store.addMessage(user!.id, chat.id, { role: "assistant", parts: [], parentId: null });
    ids = { chatId: chat.id, messageId: message.id, userId: user!.id, modelId: "m" };
  });
  after(() => database.close());

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
});
