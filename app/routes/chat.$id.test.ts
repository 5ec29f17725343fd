// The conversation page's actions on one message (branch, feedback): a message that is not in this
// conversation, someone else's included, is a 404 like a missing conversation, never a 500.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "../../server/chat/chat-store";
import { answerOf, contextFor, signedInRequest, testUser } from "~/test-helpers";
import { action } from "./chat.$id";

const text = (t: string) => [{ type: "text", text: t }];

describe("/chat/:id actions on a message", () => {
  let database: Database;
  let chats: ChatStore;
  let mine: string;
  let strangersMessage: string;
  let myOtherMessage: string;

  before(async () => {
    database = await openTestDatabase();
    chats = createChatStore(database.db);
    const [stranger] = await database.db
      .insert(users)
      .values([
        { id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" },
        { email: "stranger@example.com", name: "Stranger", passwordHash: "x" },
      ])
      .returning()
      .then((rows) => rows.slice(1));
    mine = (await chats.createChat(testUser.id, "Mine")).id;
    await chats.addMessage(testUser.id, mine, { role: "user", parts: text("Hi"), parentId: null });
    const other = await chats.createChat(testUser.id, "My other one");
    myOtherMessage = (await chats.addMessage(testUser.id, other.id, { role: "user", parts: text("x"), parentId: null }))
      .id;
    const theirs = await chats.createChat(stranger!.id, "Theirs");
    strangersMessage = (
      await chats.addMessage(stranger!.id, theirs.id, { role: "assistant", parts: text("y"), parentId: null })
    ).id;
  });
  after(() => database.close());

  const act = async (fields: Record<string, string>) =>
    answerOf(async () =>
      action({
        request: await signedInRequest(`/chat/${mine}`, { body: new URLSearchParams(fields) }),
        context: contextFor({ chats }),
        params: { id: mine },
      }),
    );
  const notFound = { status: 404, body: { error: "There is no such message in this conversation." } };

  test("branch to someone else's message, or to one of another conversation: 404", async () => {
    assert.deepEqual(await act({ intent: "branch", messageId: strangersMessage }), notFound);
    assert.deepEqual(await act({ intent: "branch", messageId: myOtherMessage }), notFound);
  });

  test("feedback on someone else's message: 404, and nothing is stored", async () => {
    assert.deepEqual(await act({ intent: "feedback", messageId: strangersMessage, rating: "1" }), notFound);
    assert.deepEqual((await chats.getChat(testUser.id, mine)).ratings, {});
  });
});
