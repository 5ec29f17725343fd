// A rated answer that was stopped before its first word (empty text) stays on Admin › Feedback,
// where it is a fact about the model, but goes into neither export: a training row or a
// preference pair with an empty answer would teach the model to say nothing. Real (PGlite)
// database; the answers are stored as the chat turn stores them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { models, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "../chat/chat-store";
import { createFeedbackStore, type FeedbackStore } from "./rated-answers";

const text = (t: string) => [{ type: "text", text: t }];

async function all<T>(batches: AsyncGenerator<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

describe("rated answers with no text", () => {
  let database: Database;
  let store: FeedbackStore;
  let ids: { empty: string; liked: string };

  before(async () => {
    database = await openTestDatabase();
    const { db } = database;
    const chats = createChatStore(db);
    store = createFeedbackStore(db);
    await db.insert(models).values({ id: "loom-chat", displayName: "Loom chat", kind: "causal-lm", status: "ready" });
    const [user] = await db.insert(users).values({ email: "e@example.com", name: "E", passwordHash: "x" }).returning();
    const chat = (await chats.createChat(user!.id, "Stopped")).id;
    const question = (await chats.addMessage(user!.id, chat, { role: "user", parts: text("Hi?"), parentId: null })).id;
    const answer = (t: string) =>
      chats
        .addMessage(user!.id, chat, { role: "assistant", parts: text(t), parentId: question, modelId: "loom-chat" })
        .then((m) => m.id);
    ids = { empty: await answer(""), liked: await answer("Hello!") };
    // The stopped (empty) answer disliked, its regenerated sibling liked: a pair, but not a usable one.
    await chats.setFeedback(user!.id, ids.empty, -1);
    await chats.setFeedback(user!.id, ids.liked, 1);
  });
  after(() => database.close());

  test("Admin › Feedback lists it", async () => {
    const { rows, total } = await store.listPage({}, { page: 1, pageSize: 10 });
    assert.equal(total, 2);
    assert.ok(rows.some((r) => r.messageId === ids.empty));
  });

  test("the messages export leaves it out", async () => {
    const rows = await all(store.ratedAnswers({}));
    assert.deepEqual(
      rows.map((r) => r.messageId),
      [ids.liked],
    );
  });

  test("the preference export leaves out a pair with an empty side", async () => {
    assert.deepEqual(await all(store.preferencePairs({})), []);
  });
});
