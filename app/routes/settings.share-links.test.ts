// Settings › Share links on a real PGlite: the owner sees every link of every chat (the chat's
// current title, created, active or revoked), revokes one (the public page then answers 410);
// another user sees none of them and cannot revoke one (404, the link still works).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "../../server/chat/chat-store";
import { createShareLinks, type ShareLinks } from "../../server/chat/share-links";
import { createInstanceSettings } from "../../server/settings/instance-settings";
import { createRateLimiter } from "../../server/usage/rate-limiter";
import { answerOf, contextFor, signedInRequest, testUser } from "~/test-helpers";
import { loader as sharedLoader } from "./s.$token";
import { action as revokeAction, loader as listLoader } from "./settings.share-links";

const text = (t: string) => [{ type: "text", text: t }];
const stranger = { ...testUser, id: "00000000-0000-4000-8000-000000000003", email: "s@example.com" };

interface Listed {
  id: string;
  chatId: string;
  chatTitle: string;
  createdAt: string;
  revokedAt?: string;
}

describe("Settings › Share links", () => {
  let database: Database;
  let chats: ChatStore;
  let shareLinks: ShareLinks;
  let services: Record<string, unknown>;

  before(async () => {
    database = await openTestDatabase();
    chats = createChatStore(database.db);
    shareLinks = createShareLinks(database.db, chats);
    await database.db
      .insert(users)
      .values([testUser, stranger].map((u) => ({ id: u.id, email: u.email, name: u.name, passwordHash: "x" })));
    services = {
      chats,
      shareLinks,
      settings: createInstanceSettings(database.db, { shareLinksRequireSignIn: true }),
      shareLookupLimiter: createRateLimiter({ limit: 1000, windowMs: 60_000 }),
    };
  });
  after(() => database.close());

  async function chatWithMessage(userId: string, title: string) {
    const id = (await chats.createChat(userId, title)).id;
    await chats.addMessage(userId, id, { role: "user", parts: text(`About ${title}`), parentId: null });
    return id;
  }

  const list = async (user = testUser) =>
    (
      (await answerOf(async () =>
        listLoader({
          request: await signedInRequest("/settings/share-links", { method: "GET" }),
          context: contextFor(services, user),
          params: {},
        }),
      )) as { body: { links: Listed[] } }
    ).body.links;

  const revoke = async (linkId: string, user = testUser) =>
    answerOf(async () =>
      revokeAction({
        request: await signedInRequest("/settings/share-links", {
          body: new URLSearchParams({ intent: "revoke", linkId }),
        }),
        context: contextFor(services, user),
        params: {},
      }),
    );

  const publicStatus = async (token: string) =>
    (
      await answerOf(async () =>
        sharedLoader({
          request: await signedInRequest(`/s/${token}`, { method: "GET" }),
          context: contextFor(services, stranger),
          params: { token },
        }),
      )
    ).status;

  test("every link of the owner's chats, newest first, with the chat's current title; revoking ends it (410)", async () => {
    const soup = await chatWithMessage(testUser.id, "Soup");
    const bikes = await chatWithMessage(testUser.id, "Bikes");
    const first = await shareLinks.create(testUser.id, soup);
    const second = await shareLinks.create(testUser.id, bikes);
    await chatWithMessage(stranger.id, "Theirs").then((id) => shareLinks.create(stranger.id, id));
    await chats.renameChat(testUser.id, bikes, "Bicycles");

    const links = await list();
    assert.deepEqual(
      links.map((l) => [l.id, l.chatId, l.chatTitle, l.revokedAt]),
      [
        [second.link.id, bikes, "Bicycles", undefined],
        [first.link.id, soup, "Soup", undefined],
      ],
    );
    assert.ok(links.every((l) => !Number.isNaN(Date.parse(l.createdAt))));
    assert.equal(await publicStatus(first.token), 200);

    assert.equal((await revoke(first.link.id)).status, 200);
    assert.equal(await publicStatus(first.token), 410);
    const after = await list();
    assert.ok(after.find((l) => l.id === first.link.id)!.revokedAt);
    assert.equal(after.find((l) => l.id === second.link.id)!.revokedAt, undefined);
    // Revoked already: nothing live to revoke.
    assert.equal((await revoke(first.link.id)).status, 404);
  });

  test("another user neither sees nor revokes the owner's links (404, the link still works)", async () => {
    const id = await chatWithMessage(testUser.id, "Private");
    const { token, link } = await shareLinks.create(testUser.id, id);
    assert.ok(!(await list(stranger)).some((l) => l.chatTitle !== "Theirs"));
    const refused = await revoke(link.id, stranger);
    assert.equal(refused.status, 404);
    assert.equal(await publicStatus(token), 200);
    assert.equal((await list()).find((l) => l.id === link.id)!.revokedAt, undefined);
  });

  test("a malformed link id is a 400", async () => {
    assert.equal((await revoke("not-a-uuid")).status, 400);
  });
});
