import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { ChatNotFoundError, createChatStore, isChatNotFound, type ChatStore } from "./chat-store";

const text = (t: string) => [{ type: "text", text: t }];

describe("chat store: message trees", () => {
  let database: Database;
  let store: ChatStore;
  let alice: string;
  let bob: string;

  before(async () => {
    database = await openTestDatabase();
    store = createChatStore(database.db);
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

  test("edit and regenerate add siblings; both branches stay reachable", async () => {
    const chat = await store.createChat(alice, "Trees");
    const q1 = await store.addMessage(alice, chat.id, { role: "user", parts: text("Hi"), parentId: null });
    const a1 = await store.addMessage(alice, chat.id, { role: "assistant", parts: text("Hello!"), parentId: q1.id });
    // Regenerate: a second answer under the same question.
    const a2 = await store.addMessage(alice, chat.id, { role: "assistant", parts: text("Hey!"), parentId: q1.id });
    let view = await store.getChat(alice, chat.id);
    assert.deepEqual(
      view.path.map((m) => m.id),
      [q1.id, a2.id],
    );
    assert.deepEqual(view.path[1]!.siblingIds, [a1.id, a2.id]);
    assert.equal(view.path[1]!.siblingIndex, 1);

    // Edit the question: a sibling of q1 at the root, with its own answer.
    const q2 = await store.addMessage(alice, chat.id, { role: "user", parts: text("Hi there"), parentId: null });
    const a3 = await store.addMessage(alice, chat.id, { role: "assistant", parts: text("Hi!"), parentId: q2.id });
    view = await store.getChat(alice, chat.id);
    assert.deepEqual(
      view.path.map((m) => m.id),
      [q2.id, a3.id],
    );
    assert.equal(view.path[0]!.siblingIds.length, 2);

    // Step back to the first question: its newest answer is shown.
    await store.selectBranch(alice, chat.id, q1.id);
    view = await store.getChat(alice, chat.id);
    assert.deepEqual(
      view.path.map((m) => m.id),
      [q1.id, a2.id],
    );
  });

  test("another user's chat is not found, for reading and for writing", async () => {
    const chat = await store.createChat(alice, "Private");
    await assert.rejects(
      store.getChat(bob, chat.id),
      (e: unknown) => e instanceof ChatNotFoundError && isChatNotFound(e),
    );
    await assert.rejects(
      store.addMessage(bob, chat.id, { role: "user", parts: text("x"), parentId: null }),
      ChatNotFoundError,
    );
    await assert.rejects(store.deleteChat(bob, chat.id), ChatNotFoundError);
  });

  test("a parent from another chat is refused", async () => {
    const one = await store.createChat(alice);
    const two = await store.createChat(alice);
    const m = await store.addMessage(alice, one.id, { role: "user", parts: text("a"), parentId: null });
    await assert.rejects(
      store.addMessage(alice, two.id, { role: "user", parts: text("b"), parentId: m.id }),
      ChatNotFoundError,
    );
  });

  test("a message id already taken, in one's own chat or someone else's, is a 409 that stores nothing", async () => {
    const mine = await store.createChat(alice);
    const theirs = await store.createChat(bob);
    const m = await store.addMessage(bob, theirs.id, { role: "user", parts: text("Bob's"), parentId: null });
    for (const chatId of [theirs.id, mine.id]) {
      const owner = chatId === mine.id ? alice : bob;
      await assert.rejects(
        store.addMessage(owner, chatId, { id: m.id, role: "user", parts: text("again"), parentId: null }),
        { httpStatus: 409, code: "MESSAGE_EXISTS" },
      );
    }
    assert.deepEqual((await store.getChat(alice, mine.id)).path, []);
    assert.deepEqual(
      (await store.getChat(bob, theirs.id)).path.map((x) => x.parts),
      [text("Bob's")],
    );
  });

  test("search finds titles and message contents, only the user's own, with wildcards escaped", async () => {
    const chat = await store.createChat(alice, "Holiday plans");
    await store.addMessage(alice, chat.id, {
      role: "user",
      parts: text("What about Kyoto in 100% autumn?"),
      parentId: null,
    });
    const bobs = await store.createChat(bob, "Kyoto trip");
    assert.deepEqual(
      (await store.listChats(alice, "kyoto")).map((c) => c.id),
      [chat.id],
    );
    assert.deepEqual(
      (await store.listChats(alice, "holiday")).map((c) => c.id),
      [chat.id],
    );
    assert.equal((await store.listChats(alice, "100%")).length, 1);
    assert.equal((await store.listChats(alice, "_")).length, 0, "_ is a literal, not a wildcard");
    assert.deepEqual(
      (await store.listChats(bob, "kyoto")).map((c) => c.id),
      [bobs.id],
    );
  });

  test("rename, feedback and delete", async () => {
    const chat = await store.createChat(alice);
    await store.renameChat(alice, chat.id, "Renamed");
    const m = await store.addMessage(alice, chat.id, { role: "assistant", parts: text("ok"), parentId: null });
    await store.setFeedback(alice, m.id, 1);
    assert.equal((await store.getChat(alice, chat.id)).ratings[m.id], 1);
    await store.setFeedback(alice, m.id, -1, "wrong");
    assert.equal((await store.getChat(alice, chat.id)).ratings[m.id], -1);
    await assert.rejects(store.setFeedback(bob, m.id, 1), ChatNotFoundError);
    assert.equal((await store.getChat(alice, chat.id)).chat.title, "Renamed");
    await store.deleteChat(alice, chat.id);
    await assert.rejects(store.getChat(alice, chat.id), ChatNotFoundError);
  });
});

describe("chat store: path to a message", () => {
  test("follows parents to the root, whatever branch is visible", async () => {
    const database = await openTestDatabase();
    try {
      const store = createChatStore(database.db);
      const [u] = await database.db
        .insert(users)
        .values({ email: "p@example.com", name: "P", passwordHash: "x" })
        .returning();
      const chat = await store.createChat(u!.id);
      const q = await store.addMessage(u!.id, chat.id, { role: "user", parts: text("q"), parentId: null });
      const a1 = await store.addMessage(u!.id, chat.id, { role: "assistant", parts: text("a1"), parentId: q.id });
      await store.addMessage(u!.id, chat.id, { role: "user", parts: text("q2"), parentId: null });
      assert.deepEqual(
        (await store.pathTo(u!.id, chat.id, a1.id)).map((m) => m.id),
        [q.id, a1.id],
      );
      await assert.rejects(store.createChat(u!.id, "dup", { id: chat.id }), { httpStatus: 409 });
    } finally {
      await database.close();
    }
  });
});
