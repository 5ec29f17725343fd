// Feedback counts on a real (PGlite) database: per app and UTC day, only the model's answers,
// only the window asked for; a message's app is its run's, chat when it has none.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { feedback, runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "../chat/chat-store";
import { dayBuckets, feedbackCounts } from "./feedback-counts";

const text = (t: string) => [{ type: "text", text: t }];
const NOW = Date.parse("2026-03-10T12:00:00Z");

describe("feedbackCounts", () => {
  let database: Database;

  before(async () => {
    database = await openTestDatabase();
    const { db } = database;
    const chats = createChatStore(db);
    const [alice, bob] = await db
      .insert(users)
      .values([
        { email: "alice@example.com", name: "Alice", passwordHash: "x" },
        { email: "bob@example.com", name: "Bob", passwordHash: "x" },
      ])
      .returning();
    const chatId = (await chats.createChat(alice!.id, "Rated")).id;
    const question = await chats.addMessage(alice!.id, chatId, { role: "user", parts: text("Hi"), parentId: null });
    const answer = (model: string) =>
      chats.addMessage(alice!.id, chatId, {
        role: "assistant",
        parts: text("Hello"),
        parentId: question.id,
        modelId: model,
      });
    const [a1, a2, a3, other] = [
      await answer("loom-chat"),
      await answer("loom-chat"),
      await answer("loom-chat"),
      await answer("other"),
    ];
    // a1 has its chat run; a3's run says another app (as a future app rating would).
    await db.insert(runs).values([
      { app: "chat", modelId: "loom-chat", messageId: a1.id, status: "completed" },
      { app: "summarize", modelId: "loom-chat", messageId: a3.id, status: "completed" },
    ]);
    await chats.setFeedback(alice!.id, a1.id, 1);
    await chats.setFeedback(alice!.id, a2.id, -1);
    await chats.setFeedback(alice!.id, a3.id, 1);
    await chats.setFeedback(alice!.id, other.id, 1);
    // Bob's rating of Alice's answer cannot go through the store (not his chat): write it directly.
    await db.insert(feedback).values({ messageId: a1.id, userId: bob!.id, rating: -1 });
    const at = (iso: string) => new Date(iso);
    await db
      .update(feedback)
      .set({ createdAt: at("2026-03-10T08:00:00Z") })
      .where(eq(feedback.messageId, a1.id));
    await db
      .update(feedback)
      .set({ createdAt: at("2026-03-09T23:59:00Z") })
      .where(eq(feedback.messageId, a2.id));
    await db
      .update(feedback)
      .set({ createdAt: at("2026-03-10T09:00:00Z") })
      .where(eq(feedback.messageId, a3.id));
    await db
      .update(feedback)
      .set({ createdAt: at("2026-03-10T09:00:00Z") })
      .where(eq(feedback.messageId, other.id));
  });
  after(() => database.close());

  it("counts up and down per app and day, for the one model", async () => {
    assert.deepEqual(await feedbackCounts(database.db, "loom-chat", 7, NOW), [
      { day: "2026-03-09", app: "chat", up: 0, down: 1 },
      { day: "2026-03-10", app: "chat", up: 1, down: 1 },
      { day: "2026-03-10", app: "summarize", up: 1, down: 0 },
    ]);
    assert.deepEqual(await feedbackCounts(database.db, "other", 7, NOW), [
      { day: "2026-03-10", app: "chat", up: 1, down: 0 },
    ]);
    assert.deepEqual(await feedbackCounts(database.db, "nobody", 7, NOW), []);
  });

  it("keeps only the last N UTC days, today included", async () => {
    assert.deepEqual(
      (await feedbackCounts(database.db, "loom-chat", 1, NOW)).map((r) => r.day),
      ["2026-03-10", "2026-03-10"],
    );
    assert.deepEqual(dayBuckets(3, NOW), ["2026-03-08", "2026-03-09", "2026-03-10"]);
  });

  it("refuses a window that is not a whole number of days from 1 to 366", async () => {
    for (const days of [0, 1.5, 367])
      await assert.rejects(feedbackCounts(database.db, "loom-chat", days, NOW), RangeError);
  });
});
