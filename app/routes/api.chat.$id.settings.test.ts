// The routes of chat settings and temporary chats, on the real database and a real model (the
// tiny fixture, 256 positions): PUT /api/chat/:id/settings refuses out-of-range values and what
// the model cannot take with a 400 naming the limit; POST /api/chats gives a new chat its owner's
// defaults and makes temporary ones; a temporary chat is discarded on leaving and not exported.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { DEFAULT_CHAT_SETTINGS } from "../../server/apps/chat-settings";
import { describeLocalModel } from "../../server/apps/model-description";
import { createChatDefaults, type ChatDefaults } from "../../server/chat/chat-defaults";
import { createChatStore, type ChatStore } from "../../server/chat/chat-store";
import { loadCausalLM, type LoadedCausalLM } from "../../server/inference";
import { answerOf, contextFor, signedInRequest, testUser } from "~/test-helpers";
import { action as createChat } from "./api.chats";
import { action as discard } from "./api.chat.$id.discard";
import { action as putSettings } from "./api.chat.$id.settings";
import { loader as exportChat } from "./chat.$id.export";
import { loader as chatLoader } from "./chat.$id";
import { loader as settingsPage } from "./settings.chat";

const fixture = fileURLToPath(new URL("../../server/inference/__fixtures__/tiny-llama/", import.meta.url));

describe("chat settings and temporary chats over HTTP", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let chats: ChatStore;
  let chatDefaults: ChatDefaults;
  let context: ReturnType<typeof contextFor>;
  let strangersChat: string;

  before(async () => {
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    chats = createChatStore(database.db);
    chatDefaults = createChatDefaults(database.db);
    const [, stranger] = await database.db
      .insert(users)
      .values([
        { id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" },
        { email: "stranger@example.com", name: "Stranger", passwordHash: "x" },
      ])
      .returning();
    strangersChat = (await chats.createChat(stranger!.id, "Theirs")).id;
    context = contextFor({
      chats,
      chatDefaults,
      quotas: { assertWithinQuota: async () => {} },
      // The registry reduced to the one model it would resolve for Chat.
      registry: {
        // The chat page names each answer's model.
        listModels: async () => [],
        languageModel: async () => ({
          row: { id: "tiny", displayName: "Tiny Llama" },
          model: {},
          description: describeLocalModel(loaded),
        }),
      },
      generationLog: { runningForChat: async () => [] },
      generations: { stop: async () => false },
    });
  });
  after(async () => {
    await loaded.dispose();
    await database.close();
  });

  const put = async (chatId: string, settings: unknown) =>
    answerOf(async () =>
      putSettings({
        request: await signedInRequest(`/api/chat/${chatId}/settings`, { method: "PUT", body: { settings } }),
        context,
        params: { id: chatId },
      }),
    );
  const chatPage = async (chatId: string) =>
    (await chatLoader({
      request: await signedInRequest(`/chat/${chatId}`, { method: "GET" }),
      context,
      params: { id: chatId },
    })) as {
      settings: typeof DEFAULT_CHAT_SETTINGS;
      maxTokensLimit?: number;
      inputLimit: { tokens: number; chars: number } | null;
    };
  const valid = { systemPrompt: "Be brief.", temperature: 0.3, topP: 0.8, maxTokens: 100 };

  test("valid settings are stored with the chat and answered back", async () => {
    const chat = await chats.createChat(testUser.id, "Mine");
    const answer = await put(chat.id, valid);
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.body as { settings: unknown }).settings, valid);
    assert.deepEqual((await chats.ownedChat(testUser.id, chat.id)).settings, valid);
  });

  test("the answer carries the composer's new limit: a long system prompt shrinks it", async () => {
    const chat = await chats.createChat(testUser.id, "Mine");
    const limitOf = async (settings: object) => {
      const answer = await put(chat.id, settings);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return (answer.body as { inputLimit: { tokens: number; chars: number } }).inputLimit;
    };
    const short = await limitOf({ ...valid, maxTokens: 64, systemPrompt: "Be brief." });
    const long = await limitOf({ ...valid, maxTokens: 64, systemPrompt: "Be brief and kind, and say why. ".repeat(4) });
    const roomier = await limitOf({ ...valid, maxTokens: 128, systemPrompt: "Be brief." });
    assert.ok(long.tokens < short.tokens - 20, `${long.tokens} vs ${short.tokens}`);
    assert.equal(roomier.tokens, short.tokens - 64);
    // The chat's page reads the same limit, with the settings as stored.
    const page = await chatPage(chat.id);
    assert.deepEqual(page.inputLimit, roomier);
    assert.equal(page.maxTokensLimit, undefined);
  });

  test("a stored max tokens over the model's limit reads as the limit, said; saving another field then passes", async () => {
    // Loom's default (256) with the tiny model (256 positions: answers up to 128 tokens).
    const chat = await chats.createChat(testUser.id, "Defaults", { settings: DEFAULT_CHAT_SETTINGS });
    const page = await chatPage(chat.id);
    assert.deepEqual(page.settings, { ...DEFAULT_CHAT_SETTINGS, maxTokens: 128 });
    assert.equal(page.maxTokensLimit, 128);
    // The form submits what it shows: only the temperature changed.
    const saved = await put(chat.id, { ...page.settings, temperature: 0.1 });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal((await chats.ownedChat(testUser.id, chat.id)).settings?.maxTokens, 128);
    // Settings › Chat reads the user's defaults the same way.
    await chatDefaults.set(testUser.id, DEFAULT_CHAT_SETTINGS);
    const defaults = (await settingsPage({
      request: await signedInRequest("/settings/chat", { method: "GET" }),
      context,
      params: {},
    })) as { settings: { maxTokens: number }; maxTokensLimit?: number };
    assert.equal(defaults.settings.maxTokens, 128);
    assert.equal(defaults.maxTokensLimit, 128);
  });

  test("out of range, too long, or more than the model allows: 400 with the reason, nothing stored", async () => {
    const chat = await chats.createChat(testUser.id, "Mine");
    const refused = async (settings: unknown, error: string | RegExp) => {
      const answer = await put(chat.id, settings);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      const body = answer.body as { error: string; code: string };
      assert.equal(body.code, "INVALID_CHAT_SETTINGS");
      if (typeof error === "string") assert.equal(body.error, error);
      else assert.match(body.error, error);
    };
    await refused({ ...valid, temperature: 5 }, "Temperature must be between 0 and 2.");
    await refused({ ...valid, topP: "x" }, "Top-p must be a number.");
    await refused({ ...valid, systemPrompt: "a".repeat(4001) }, "The system prompt is limited to 4,000 characters.");
    await refused(
      { ...valid, maxTokens: 129 },
      "Max tokens is at most 128 with Tiny Llama: it reads 256 tokens in all, and an answer may take up to half of them.",
    );
    await refused(
      { ...valid, systemPrompt: "Please be very kind. ".repeat(60) },
      /^The system prompt is \d+ tokens; Tiny Llama reads 256 tokens in all, so with room for a message and an answer a system prompt can have at most \d+ \(about [\d,]+ characters of this text\)\. Shorten it\.$/,
    );
    assert.equal((await chats.ownedChat(testUser.id, chat.id)).settings, null);
  });

  test("someone else's chat: 404", async () => {
    assert.equal((await put(strangersChat, valid)).status, 404);
  });

  test("a new chat takes its owner's defaults; a temporary one is made temporary", async () => {
    await chatDefaults.set(testUser.id, { ...DEFAULT_CHAT_SETTINGS, temperature: 0.1 });
    const make = async (body: object) =>
      answerOf(async () => createChat({ request: await signedInRequest("/api/chats", { body }), context, params: {} }));
    const kept = await make({ id: randomUUID(), firstMessage: "Hello" });
    const temporary = await make({ id: randomUUID(), firstMessage: "Hello", temporary: true });
    assert.equal(kept.status, 201);
    assert.equal(temporary.status, 201);
    const keptId = (kept.body as { chat: { id: string } }).chat.id;
    const temporaryId = (temporary.body as { chat: { id: string; temporary: boolean } }).chat.id;
    assert.equal((await chats.ownedChat(testUser.id, keptId)).settings?.temperature, 0.1);
    assert.equal((await chats.ownedChat(testUser.id, temporaryId)).temporary, true);
    const listed = (await chats.listChats(testUser.id)).map((c) => c.id);
    assert.ok(listed.includes(keptId) && !listed.includes(temporaryId));
  });

  test("a temporary chat is not exported, and leaving it deletes it; a kept chat is not discarded", async () => {
    const temporary = await chats.createChat(testUser.id, "Gone soon", { temporary: true });
    const kept = await chats.createChat(testUser.id, "Kept");
    const exported = await answerOf(async () =>
      exportChat({
        request: await signedInRequest(`/chat/${temporary.id}/export?format=json`, { method: "GET" }),
        context,
        params: { id: temporary.id },
      }),
    );
    assert.deepEqual(exported, { status: 409, body: "A temporary chat is not exported." });
    const leave = async (chatId: string) =>
      answerOf(async () =>
        discard({ request: await signedInRequest(`/api/chat/${chatId}/discard`), context, params: { id: chatId } }),
      );
    assert.equal((await leave(temporary.id)).status, 204);
    await assert.rejects(chats.ownedChat(testUser.id, temporary.id), { httpStatus: 404 });
    assert.equal((await leave(kept.id)).status, 409);
    await chats.ownedChat(testUser.id, kept.id);
    assert.equal((await leave(strangersChat)).status, 404);
  });
});
