// Rated answers as data, on a real (PGlite) database: the filters, the opt-out (before and after
// rating, in every export), format A's rows (the path ends with the rated answer, a stored system
// prompt first) and format B's pairs from a regenerated answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { feedback, models, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "../chat/chat-store";
import { exportJsonl, type MessagesRow, type PreferenceRow } from "./export-rows";
import type { ExportFormat, FeedbackFilters } from "./filters";
import { createFeedbackStore, EXPORT_BATCH, type FeedbackStore } from "./rated-answers";
import { createTrainingConsent, type TrainingConsent } from "./training-consent";

const text = (t: string) => [{ type: "text", text: t }];

describe("rated answers", () => {
  let database: Database;
  let chats: ChatStore;
  let store: FeedbackStore;
  let consent: TrainingConsent;
  let alice: string;
  let bob: string;
  let ids: Record<string, string>;

  before(async () => {
    database = await openTestDatabase();
    const { db } = database;
    chats = createChatStore(db);
    store = createFeedbackStore(db);
    consent = createTrainingConsent(db);
    await db.insert(models).values([
      { id: "loom-chat", displayName: "Loom chat", kind: "causal-lm", status: "ready" },
      { id: "other-chat", displayName: "Other", kind: "causal-lm", status: "ready" },
    ]);
    const [a, b] = await db
      .insert(users)
      .values([
        { email: "alice@example.com", name: "Alice", passwordHash: "x" },
        { email: "bob@example.com", name: "Bob", passwordHash: "x" },
      ])
      .returning();
    alice = a!.id;
    bob = b!.id;

    // Alice: a system prompt, a question, two regenerated answers (one liked, one disliked), and a
    // follow-up whose answer (by another model) she liked.
    const chat = (await chats.createChat(alice, "Rivers")).id;
    const add = (role: "system" | "user" | "assistant", t: string, parentId: string | null, modelId?: string) =>
      chats.addMessage(alice, chat, { role, parts: text(t), parentId, modelId }).then((m) => m.id);
    const system = await add("system", "You are terse.", null);
    const q1 = await add("user", "Longest river?", system);
    const good = await add("assistant", "The Nile.", q1, "loom-chat");
    const bad = await add("assistant", "The Thames.", q1, "loom-chat");
    const q2 = await add("user", "And in Asia?", good);
    const followUp = await add("assistant", "The Yangtze.", q2, "other-chat");
    await chats.setFeedback(alice, good, 1);
    await chats.setFeedback(alice, bad, -1);
    await chats.setFeedback(alice, followUp, 1);
    // Dates fixed, for the date filters.
    const at = (id: string, iso: string) =>
      db
        .update(feedback)
        .set({ createdAt: new Date(iso) })
        .where(eq(feedback.messageId, id));
    await at(good, "2026-03-01T10:00:00Z");
    await at(bad, "2026-03-01T10:05:00Z");
    await at(followUp, "2026-03-03T23:59:00Z");

    // Bob: one disliked answer.
    const bobChat = (await chats.createChat(bob, "Bob's")).id;
    const bq = (await chats.addMessage(bob, bobChat, { role: "user", parts: text("Hi"), parentId: null })).id;
    const ba = (
      await chats.addMessage(bob, bobChat, {
        role: "assistant",
        parts: text("Hello."),
        parentId: bq,
        modelId: "loom-chat",
      })
    ).id;
    await chats.setFeedback(bob, ba, -1);
    await at(ba, "2026-03-02T12:00:00Z");
    ids = { chat, system, q1, good, bad, followUp, bobChat, ba };
  });
  after(() => database.close());

  const rowsOf = async <Row>(filters: FeedbackFilters = {}, format: ExportFormat = "messages") => {
    let body = "";
    for await (const lines of exportJsonl(store, filters, format)) body += lines;
    return body
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row);
  };
  const answers = async (filters: FeedbackFilters = {}) =>
    (await rowsOf<MessagesRow>(filters)).map((r) => r.messages.at(-1)!.content);

  test("format A: the path from the root, system prompt first, ends with the rated answer", async () => {
    const rows = await rowsOf<MessagesRow>();
    assert.equal(rows.length, 4);
    const followUp = rows.find((r) => r.message_id === ids.followUp)!;
    assert.deepEqual(followUp, {
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Longest river?" },
        { role: "assistant", content: "The Nile." },
        { role: "user", content: "And in Asia?" },
        { role: "assistant", content: "The Yangtze." },
      ],
      rating: 1,
      model: "other-chat",
      app: "chat",
      created_at: "2026-03-03T23:59:00.000Z",
      chat_id: ids.chat,
      message_id: ids.followUp,
    });
    // The disliked sibling's own path: not through the liked one.
    const bad = rows.find((r) => r.message_id === ids.bad)!;
    assert.deepEqual(
      bad.messages.map((m) => m.content),
      ["You are terse.", "Longest river?", "The Thames."],
    );
    assert.equal(bad.rating, -1);
    // Oldest rating first.
    assert.deepEqual(
      rows.map((r) => r.created_at),
      [...rows.map((r) => r.created_at)].sort(),
    );
  });

  test("filters: model, app, rating, since and until (whole UTC days)", async () => {
    assert.deepEqual(await answers({ model: "other-chat" }), ["The Yangtze."]);
    assert.deepEqual(await answers({ rating: "down" }), ["The Thames.", "Hello."]);
    assert.deepEqual(await answers({ rating: "up", model: "loom-chat" }), ["The Nile."]);
    assert.deepEqual(await answers({ since: "2026-03-02" }), ["Hello.", "The Yangtze."]);
    assert.deepEqual(await answers({ until: "2026-03-01" }), ["The Nile.", "The Thames."]);
    assert.deepEqual(await answers({ since: "2026-03-03", until: "2026-03-03" }), ["The Yangtze."]);
    assert.deepEqual(await answers({ app: "chat", model: "loom-chat", rating: "down" }), ["The Thames.", "Hello."]);
    // Only chat answers are rated today: another app has none.
    assert.deepEqual(await answers({ app: "translate" }), []);
  });

  test("format B: the liked and disliked answers to one user turn", async () => {
    const pairs = await rowsOf<PreferenceRow>({}, "preference");
    assert.deepEqual(pairs, [
      {
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Longest river?" },
        ],
        chosen: "The Nile.",
        rejected: "The Thames.",
        model: "loom-chat",
        app: "chat",
        created_at: "2026-03-01T10:05:00.000Z",
        chat_id: ids.chat,
      },
    ]);
    // The rating filter does not apply to pairs; the others do.
    assert.equal((await rowsOf<PreferenceRow>({ rating: "down" }, "preference")).length, 1);
    assert.equal((await rowsOf<PreferenceRow>({ model: "other-chat" }, "preference")).length, 0);
    assert.equal((await rowsOf<PreferenceRow>({ since: "2026-03-02" }, "preference")).length, 0);
  });

  test("the page: newest first, counted, with the conversation", async () => {
    const first = await store.listPage({}, { page: 1, pageSize: 3 });
    assert.equal(first.total, 4);
    assert.deepEqual(
      first.rows.map((r) => r.conversation.at(-1)!.content),
      ["The Yangtze.", "Hello.", "The Thames."],
    );
    const second = await store.listPage({}, { page: 2, pageSize: 3 });
    assert.deepEqual(
      second.rows.map((r) => r.messageId),
      [ids.good],
    );
    assert.equal((await store.listPage({ rating: "down" }, { page: 1, pageSize: 10 })).total, 2);
    assert.deepEqual(await store.ratedModels(), ["loom-chat", "other-chat"]);
  });

  test("a user who opted out is in no export and no page, whenever they rated", async () => {
    await consent.setOptedOut(alice, true);
    try {
      assert.equal(await consent.isOptedOut(alice), true);
      // Ratings made before the opt-out…
      assert.deepEqual(await answers(), ["Hello."]);
      assert.deepEqual(await rowsOf({}, "preference"), []);
      // …and after it.
      const q = (
        await chats.addMessage(alice, ids.chat, { role: "user", parts: text("More?"), parentId: ids.followUp })
      ).id;
      const a = (
        await chats.addMessage(alice, ids.chat, {
          role: "assistant",
          parts: text("No."),
          parentId: q,
          modelId: "loom-chat",
        })
      ).id;
      await chats.setFeedback(alice, a, 1);
      assert.deepEqual(await answers(), ["Hello."]);
      const page = await store.listPage({}, { page: 1, pageSize: 100 });
      assert.deepEqual(
        page.rows.map((r) => r.messageId),
        [ids.ba],
      );
      assert.equal(page.total, 1);
      const exported = JSON.stringify([await rowsOf(), await rowsOf({}, "preference")]);
      assert.doesNotMatch(exported, new RegExp(`${ids.chat}|Nile|Thames|Yangtze|No\\.`));
    } finally {
      await consent.setOptedOut(alice, false);
    }
    // Opting back in brings every rating back, the one made while opted out included.
    assert.equal((await answers()).length, 5);
  });

  test("a changed rating is dated when it changed", async () => {
    const chat = (await chats.createChat(bob, "Changed")).id;
    const q = (await chats.addMessage(bob, chat, { role: "user", parts: text("Q"), parentId: null })).id;
    const { id } = await chats.addMessage(bob, chat, {
      role: "assistant",
      parts: text("Changed mind."),
      parentId: q,
      modelId: "loom-chat",
    });
    await chats.setFeedback(bob, id, 1);
    await database.db
      .update(feedback)
      .set({ createdAt: new Date("2026-01-01T00:00:00Z") })
      .where(eq(feedback.messageId, id));
    await chats.setFeedback(bob, id, -1);
    const [row] = (await rowsOf<MessagesRow>({ model: "loom-chat" })).filter((r) => r.message_id === id);
    assert.equal(row!.rating, -1);
    assert.ok(Date.now() - Date.parse(row!.created_at) < 60_000, row!.created_at);
    await chats.setFeedback(bob, id, 0);
  });

  test("the export reads in batches: more rows than one batch, each once, in order", async () => {
    const chat = (await chats.createChat(bob, "Many")).id;
    const q = (await chats.addMessage(bob, chat, { role: "user", parts: text("Count"), parentId: null })).id;
    const many = EXPORT_BATCH + 7;
    const answersMade = [];
    for (let i = 0; i < many; i++) {
      const { id } = await chats.addMessage(bob, chat, {
        role: "assistant",
        parts: text(`n${i}`),
        parentId: q,
        modelId: "other-chat",
      });
      answersMade.push(id);
    }
    // One statement for all: they share a timestamp, so the keyset's tie-breakers are what order them.
    await database.db.insert(feedback).values(answersMade.map((messageId) => ({ messageId, userId: bob, rating: 1 })));
    const rows = await rowsOf<MessagesRow>({ model: "other-chat", rating: "up", since: "2026-04-01" });
    assert.equal(rows.length, many);
    assert.equal(new Set(rows.map((r) => r.message_id)).size, many);
  });
});
