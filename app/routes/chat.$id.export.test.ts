// The export: the visible branch as Markdown or JSON, or the whole tree as JSON (no branch is
// dropped); someone else's conversation is a 404; a bad query is a 400.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "../../server/chat/chat-store";
import type { ExportedNode } from "../../server/chat/conversation-export";
import { contextFor, signedInRequest, testUser } from "~/test-helpers";
import { loader } from "./chat.$id.export";

const text = (t: string) => [{ type: "text", text: t }];

describe("/chat/:id/export", () => {
  let database: Database;
  let chats: ChatStore;
  let chatId: string;
  let theirs: string;

  before(async () => {
    database = await openTestDatabase();
    chats = createChatStore(database.db);
    const [, stranger] = await database.db
      .insert(users)
      .values([
        { id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" },
        { email: "stranger@example.com", name: "Stranger", passwordHash: "x" },
      ])
      .returning();
    chatId = (await chats.createChat(testUser.id, "Trees")).id;
    const q1 = await chats.addMessage(testUser.id, chatId, { role: "user", parts: text("First"), parentId: null });
    await chats.addMessage(testUser.id, chatId, { role: "assistant", parts: text("Answer one"), parentId: q1.id });
    await chats.addMessage(testUser.id, chatId, { role: "assistant", parts: text("Answer two"), parentId: q1.id });
    // An edit: a second root, now the visible branch.
    const q2 = await chats.addMessage(testUser.id, chatId, { role: "user", parts: text("Edited"), parentId: null });
    await chats.addMessage(testUser.id, chatId, { role: "assistant", parts: text("Answer three"), parentId: q2.id });
    theirs = (await chats.createChat(stranger!.id, "Theirs")).id;
  });
  after(() => database.close());

  const get = async (query: string, id = chatId) => {
    try {
      return (await loader({
        request: await signedInRequest(`/chat/${id}/export?${query}`),
        context: contextFor({ chats }),
        params: { id },
      })) as Response;
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };

  test("Markdown and JSON of the visible branch", async () => {
    const md = await (await get("format=md")).text();
    assert.match(md, /Edited[\s\S]*Answer three/);
    assert.doesNotMatch(md, /First|Answer one/);
    const json = (await (await get("format=json")).json()) as { scope: string; messages: { parts: unknown }[] };
    assert.equal(json.scope, "branch");
    assert.deepEqual(
      json.messages.map((m) => m.parts),
      [text("Edited"), text("Answer three")],
    );
  });

  test("JSON of the whole tree keeps every branch, nested, with the visible one marked", async () => {
    const response = await get("format=json&scope=tree");
    assert.match(response.headers.get("Content-Disposition") ?? "", /all%20branches\)\.json/);
    const json = (await response.json()) as { messageCount: number; tree: ExportedNode[] };
    assert.equal(json.messageCount, 5);
    const show = (n: ExportedNode): unknown => [
      (n.parts as { text: string }[])[0]!.text,
      n.visible,
      n.children.map(show),
    ];
    assert.deepEqual(json.tree.map(show), [
      [
        "First",
        false,
        [
          ["Answer one", false, []],
          ["Answer two", false, []],
        ],
      ],
      ["Edited", true, [["Answer three", true, []]]],
    ]);
  });

  test("a bad query is a 400; someone else's conversation a 404", async () => {
    assert.equal((await get("format=pdf")).status, 400);
    assert.equal((await get("format=md&scope=tree")).status, 400);
    assert.equal((await get("format=json&scope=tree", theirs)).status, 404);
  });
});
