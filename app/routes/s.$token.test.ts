// Share links end to end through the routes, on a real PGlite: the owner creates, lists and
// revokes links; nobody else can; the shared page shows the snapshot read-only with noindex,
// needs sign-in when the admin setting says so, answers 410 once revoked and 404 once the chat is
// deleted; lookups are rate-limited; the admin setting is for admins only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AppLoadContext } from "@remix-run/node";
import type { Database } from "../../db/client";
import { shareLinks as shareLinksTable, users, type SharedMessage } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore, type ChatStore } from "../../server/chat/chat-store";
import { createShareLinks, type ShareLinks } from "../../server/chat/share-links";
import { createInstanceSettings, type InstanceSettings } from "../../server/settings/instance-settings";
import { createRateLimiter } from "../../server/usage/rate-limiter";
import { answerOf, contextFor, signedInRequest, testAdmin, testUser } from "~/test-helpers";
import { action as adminAction } from "./admin._index";
import { action as shareAction, loader as shareLoader } from "./chat_.$id.share";
import { headers as sharedHeaders, loader as sharedLoader } from "./s.$token";

const text = (t: string) => [{ type: "text", text: t }];
const stranger = { ...testUser, id: "00000000-0000-4000-8000-000000000003", email: "s@example.com" };

describe("share links", () => {
  let database: Database;
  let chats: ChatStore;
  let shareLinks: ShareLinks;
  let settings: InstanceSettings;
  let chatId: string;
  let services: Record<string, unknown>;

  before(async () => {
    database = await openTestDatabase();
    chats = createChatStore(database.db);
    shareLinks = createShareLinks(database.db, chats);
    settings = createInstanceSettings(database.db, { shareLinksRequireSignIn: true });
    await database.db.insert(users).values(
      [testUser, testAdmin, stranger].map((u) => ({
        id: u.id,
        email: `${u.id}@example.com`,
        name: u.name,
        passwordHash: "x",
      })),
    );
    chatId = (await chats.createChat(testUser.id, "Recipes")).id;
    const q = await chats.addMessage(testUser.id, chatId, { role: "user", parts: text("Soup?"), parentId: null });
    await chats.addMessage(testUser.id, chatId, {
      role: "assistant",
      parts: text("Leek soup."),
      parentId: q.id,
      modelId: "loom-chat",
    });
    services = {
      chats,
      shareLinks,
      settings,
      shareLookupLimiter: createRateLimiter({ limit: 1000, windowMs: 60_000 }),
      registry: { listModels: async () => [{ id: "loom-chat", displayName: "Loom Chat" }] },
    };
  });
  after(() => database.close());

  const form = (entries: Record<string, string>) => new URLSearchParams(entries);

  async function createLink(user = testUser, id = chatId) {
    return answerOf(async () =>
      shareAction({
        request: await signedInRequest(`/chat/${id}/share`, { body: form({ intent: "create" }) }),
        context: contextFor(services, user),
        params: { id },
      }),
    );
  }

  const tokenOf = (answer: { body: unknown }) => {
    const url = (answer.body as { url: string }).url;
    assert.match(url, /^http:\/\/loom\.test\/s\/[A-Za-z0-9_-]{43}$/);
    return url.split("/s/")[1]!;
  };

  async function view(
    token: string,
    { signedIn = true, context }: { signedIn?: boolean; context?: AppLoadContext } = {},
  ) {
    const request = signedIn
      ? await signedInRequest(`/s/${token}`, { method: "GET" })
      : new Request(`http://loom.test/s/${token}`);
    return answerOf(async () => sharedLoader({ request, context: context ?? contextFor(services), params: { token } }));
  }

  const listed = async (user = testUser) =>
    answerOf(async () =>
      shareLoader({
        request: await signedInRequest(`/chat/${chatId}/share`, { method: "GET" }),
        context: contextFor(services, user),
        params: { id: chatId },
      }),
    );

  test("the owner creates a link; it shows the snapshot of the visible branch, not later messages", async () => {
    const created = await createLink();
    assert.equal(created.status, 200);
    const token = tokenOf(created);
    // A message after the link was made stays private.
    const [, answer] = (await chats.getChat(testUser.id, chatId)).path;
    await chats.addMessage(testUser.id, chatId, { role: "user", parts: text("Secret"), parentId: answer!.id });

    const shown = await view(token);
    assert.equal(shown.status, 200);
    const body = shown.body as { title: string; messages: SharedMessage[] };
    assert.equal(body.title, "Recipes");
    assert.deepEqual(body.messages, [
      { role: "user", parts: text("Soup?") },
      { role: "assistant", parts: text("Leek soup."), model: "Loom Chat" },
    ]);
    assert.equal(new Headers(sharedHeaders({} as never) as HeadersInit).get("X-Robots-Tag"), "noindex, nofollow");
  });

  test("the database keeps only the token's hash", async () => {
    const token = tokenOf(await createLink());
    const stored = JSON.stringify(await database.db.select().from(shareLinksTable));
    assert.ok(!stored.includes(token));
  });

  test("another user can neither create, list nor revoke the owner's links", async () => {
    assert.equal((await createLink(stranger)).status, 404);
    assert.equal((await listed(stranger)).status, 404);
    const links = (await listed()).body as { links: { id: string }[] };
    assert.ok(links.links.length >= 1);
    const revoked = await answerOf(async () =>
      shareAction({
        request: await signedInRequest(`/chat/${chatId}/share`, {
          body: form({ intent: "revoke", linkId: links.links[0]!.id }),
        }),
        context: contextFor(services, stranger),
        params: { id: chatId },
      }),
    );
    assert.equal(revoked.status, 404);
  });

  test("sign-in setting: on, an anonymous visitor is sent to sign in; off, they read the link", async () => {
    const token = tokenOf(await createLink());
    await settings.set("shareLinksRequireSignIn", true);
    const refused = await answerOf(async () =>
      sharedLoader({
        request: new Request(`http://loom.test/s/${token}`),
        context: contextFor(services),
        params: { token },
      }),
    );
    assert.equal(refused.status, 302);
    await settings.set("shareLinksRequireSignIn", false);
    assert.equal((await view(token, { signedIn: false })).status, 200);
    // Another signed-in user reads it too.
    assert.equal((await view(token, { context: contextFor(services, stranger) })).status, 200);
    await settings.set("shareLinksRequireSignIn", true);
  });

  test("revoked → 410; unknown → 404; the list marks it revoked", async () => {
    const token = tokenOf(await createLink());
    const { links } = (await listed()).body as { links: { id: string; revokedAt?: string }[] };
    const newest = links[0]!;
    const revoked = await answerOf(async () =>
      shareAction({
        request: await signedInRequest(`/chat/${chatId}/share`, {
          body: form({ intent: "revoke", linkId: newest.id }),
        }),
        context: contextFor(services),
        params: { id: chatId },
      }),
    );
    assert.equal(revoked.status, 200);
    assert.equal((await view(token)).status, 410);
    assert.ok(((await listed()).body as { links: typeof links }).links[0]!.revokedAt);
    assert.equal((await view("A".repeat(43))).status, 404);
    assert.equal((await view("not-a-token")).status, 404);
  });

  test("deleting the chat kills its links (404)", async () => {
    const other = (await chats.createChat(testUser.id, "Doomed")).id;
    await chats.addMessage(testUser.id, other, { role: "user", parts: text("Bye"), parentId: null });
    const token = tokenOf(await createLink(testUser, other));
    assert.equal((await view(token)).status, 200);
    await chats.deleteChat(testUser.id, other);
    assert.equal((await view(token)).status, 404);
  });

  test("a temporary chat cannot be shared (409): it is not kept", async () => {
    const temporary = (await chats.createChat(testUser.id, "Passing", { temporary: true })).id;
    await chats.addMessage(testUser.id, temporary, { role: "user", parts: text("Hi"), parentId: null });
    assert.equal((await createLink(testUser, temporary)).status, 409);
  });

  test("an empty chat has nothing to share (400); lookups are rate-limited per address (429)", async () => {
    const empty = (await chats.createChat(testUser.id, "Empty")).id;
    assert.equal((await createLink(testUser, empty)).status, 400);
    const limited = contextFor({ ...services, shareLookupLimiter: createRateLimiter({ limit: 2, windowMs: 60_000 }) });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await view("B".repeat(43), { context: limited })).status);
    assert.deepEqual(statuses, [404, 404, 429]);
  });

  test("the sign-in setting is changed by admins only", async () => {
    const post = async (user: typeof testUser, entries: Record<string, string>) =>
      answerOf(async () =>
        adminAction({
          request: await signedInRequest("/admin", { body: form(entries) }),
          context: contextFor(services, user),
          params: {},
        }),
      );
    assert.equal((await post(testUser, { intent: "settings" })).status, 403);
    assert.equal(await settings.get("shareLinksRequireSignIn"), true);
    assert.equal((await post(testAdmin, { intent: "settings" })).status, 200);
    assert.equal(await settings.get("shareLinksRequireSignIn"), false);
    assert.equal((await post(testAdmin, { intent: "settings", shareLinksRequireSignIn: "on" })).status, 200);
    assert.equal(await settings.get("shareLinksRequireSignIn"), true);
    assert.equal((await post(testAdmin, { intent: "settings", shareLinksRequireSignIn: "yes" })).status, 400);
  });
});
