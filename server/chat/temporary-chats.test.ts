// Chat settings and temporary chats in the real database: a user's defaults, a chat's own copy,
// and temporary chats left out of the list and search, not rated, and deleted by the sweep once
// idle (but not while an answer is being written).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { chats as chatsTable, generations, messages, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { DEFAULT_CHAT_SETTINGS } from "../apps/chat-settings";
import { createChatDefaults, type ChatDefaults } from "./chat-defaults";
import { createChatStore, TEMPORARY_CHAT_IDLE_MS, type ChatStore } from "./chat-store";

const text = (t: string) => [{ type: "text", text: t }];

describe("chat settings and temporary chats", () => {
  let database: Database;
  let store: ChatStore;
  let defaults: ChatDefaults;
  let alice: string;
  let bob: string;

  before(async () => {
    database = await openTestDatabase();
    store = createChatStore(database.db);
    defaults = createChatDefaults(database.db);
    const rows = await database.db
      .insert(users)
      .values([
        { email: "alice@example.com", name: "Alice", passwordHash: "x" },
        { email: "bob@example.com", name: "Bob", passwordHash: "x" },
      ])
      .returning();
    [alice, bob] = rows.map((r) => r.id) as [string, string];
  });
  after(() => database.close());

  /** Makes a chat look idle since `ms` ago. */
  const idleFor = (chatId: string, ms: number) =>
    database.db
      .update(chatsTable)
      .set({ updatedAt: new Date(Date.now() - ms) })
      .where(eq(chatsTable.id, chatId));

  test("defaults: Loom's until the user sets theirs; per user", async () => {
    assert.deepEqual(await defaults.get(alice), DEFAULT_CHAT_SETTINGS);
    const mine = { systemPrompt: "Be brief.", temperature: 0.2, topP: 0.8, maxTokens: 64 };
    await defaults.set(alice, mine);
    await defaults.set(alice, { ...mine, maxTokens: 100 });
    assert.deepEqual(await defaults.get(alice), { ...mine, maxTokens: 100 });
    assert.deepEqual(await defaults.get(bob), DEFAULT_CHAT_SETTINGS);
  });

  test("a chat keeps its own settings; only its owner changes them", async () => {
    const settings = { systemPrompt: "", temperature: 1, topP: 1, maxTokens: 10 };
    const chat = await store.createChat(alice, "Tuned", { settings });
    assert.deepEqual((await store.ownedChat(alice, chat.id)).settings, settings);
    await store.setChatSettings(alice, chat.id, { ...settings, temperature: 0 });
    assert.equal((await store.ownedChat(alice, chat.id)).settings?.temperature, 0);
    await assert.rejects(store.setChatSettings(bob, chat.id, settings), { httpStatus: 404 });
  });

  test("temporary chats are not listed, not found by search, and not rated", async () => {
    const kept = await store.createChat(alice, "Kept zebra");
    const temporary = await store.createChat(alice, "Secret zebra", { temporary: true });
    await store.addMessage(alice, temporary.id, { role: "user", parts: text("zebra stripes"), parentId: null });
    const answer = await store.addMessage(alice, temporary.id, {
      role: "assistant",
      parts: text("They are black and white."),
      parentId: null,
    });
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    assert.ok(ids(await store.listChats(alice)).includes(kept.id));
    assert.ok(!ids(await store.listChats(alice)).includes(temporary.id));
    assert.deepEqual(ids(await store.listChats(alice, "zebra")), [kept.id]);
    assert.deepEqual(ids(await store.listChats(alice, "stripes")), []);
    // Its owner still opens it while it lasts.
    assert.equal((await store.getChat(alice, temporary.id)).path.length, 1);
    await assert.rejects(store.setFeedback(alice, answer.id, 1), { httpStatus: 409, code: "TEMPORARY_CHAT" });
  });

  test("the sweep deletes temporary chats idle past the limit, with their messages; kept and busy ones stay", async () => {
    const idle = await store.createChat(alice, "Idle", { temporary: true });
    await store.addMessage(alice, idle.id, { role: "user", parts: text("hello"), parentId: null });
    const recent = await store.createChat(alice, "Recent", { temporary: true });
    const busy = await store.createChat(alice, "Busy", { temporary: true });
    const kept = await store.createChat(alice, "Old but kept");
    await database.db
      .insert(generations)
      .values({ chatId: busy.id, messageId: randomUUID(), userId: alice, modelId: "m", status: "running" });
    for (const chat of [idle, busy, kept]) await idleFor(chat.id, TEMPORARY_CHAT_IDLE_MS + 60_000);
    await idleFor(recent.id, TEMPORARY_CHAT_IDLE_MS - 60_000);

    assert.equal(await store.purgeTemporaryChats(), 1);
    await assert.rejects(store.ownedChat(alice, idle.id), { httpStatus: 404 });
    const left = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(messages)
      .where(eq(messages.chatId, idle.id));
    assert.equal(left[0]!.n, 0);
    for (const chat of [recent, busy, kept]) await store.ownedChat(alice, chat.id);
  });
});
