// Every route where what a user types reaches the database refuses U+0000 and unpaired surrogates
// with a 400 that names the field (server/common/user-text.ts), before any service is asked.
// JSON can carry a lone surrogate; forms and query strings decode bytes as UTF-8, so there only
// U+0000 gets through.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { answerOf, contextFor, signedInRequest, testAdmin } from "~/test-helpers";
import { action as adminModels } from "./admin.models";
import { action as adminNewModel } from "./admin.models_.new";
import { action as sendMessage } from "./api.chat._index";
import { action as installUpload } from "./api.admin.uploads.$id";
import { action as createChat, loader as listChats } from "./api.chats";
import { action as chatAction } from "./chat.$id";
import { action as signIn } from "./login";
import { action as signUp } from "./signup";

const NUL = "a\u0000b";
const LONE = "a\uD800b";
const refusal = (field: string) => `${field} contains characters that cannot be stored.`;
const args = (request: Request, services: Record<string, unknown> = {}, params = {}) => ({
  request,
  context: contextFor(services, testAdmin),
  params,
});
const form = (fields: Record<string, string>) => new URLSearchParams(fields);

describe("user text that cannot be stored is a 400 naming the field", () => {
  test("a chat message (POST /api/chat)", async () => {
    for (const text of [NUL, LONE]) {
      const body = { chatId: randomUUID(), parentId: null, message: { id: randomUUID(), text } };
      const answer = await answerOf(async () => sendMessage(args(await signedInRequest("/api/chat", { body }))));
      assert.deepEqual(answer, { status: 400, body: { error: refusal("Message"), code: "BAD_REQUEST" } });
    }
  });

  test("a conversation's first message (POST /api/chats)", async () => {
    for (const firstMessage of [NUL, LONE]) {
      const body = { id: randomUUID(), firstMessage };
      const answer = await answerOf(async () => createChat(args(await signedInRequest("/api/chats", { body }))));
      assert.deepEqual(answer, { status: 400, body: { error: refusal("Message"), code: "BAD_REQUEST" } });
    }
  });

  test("a search (GET /api/chats?q=)", async () => {
    const request = await signedInRequest(`/api/chats?q=${encodeURIComponent(NUL)}`, { method: "GET" });
    const answer = await answerOf(() => listChats(args(request)));
    assert.deepEqual(answer, { status: 400, body: { error: refusal("Search"), code: "BAD_REQUEST" } });
  });

  test("a conversation's new title (rename on /chat/:id)", async () => {
    const chatId = randomUUID();
    const chats = { getChat: async () => ({ chat: { id: chatId }, path: [], ratings: {} }) };
    const request = await signedInRequest(`/chat/${chatId}`, { body: form({ intent: "rename", title: NUL }) });
    const answer = await answerOf(() => chatAction(args(request, { chats }, { id: chatId })));
    assert.deepEqual(answer, { status: 400, body: { error: refusal("Title") } });
  });

  test("a new account's name (sign-up) and a sign-in's email", async () => {
    const signUpAnswer = await answerOf(async () =>
      signUp(
        args(
          await signedInRequest("/signup", {
            body: form({ name: NUL, email: "new@example.com", password: "long enough password" }),
          }),
        ),
      ),
    );
    assert.equal(signUpAnswer.status, 400);
    assert.deepEqual((signUpAnswer.body as { errors: unknown }).errors, { name: refusal("Name") });

    const signInAnswer = await answerOf(async () =>
      signIn(args(await signedInRequest("/login", { body: form({ email: NUL, password: "whatever" }) }))),
    );
    assert.equal(signInAnswer.status, 400);
    assert.deepEqual((signInAnswer.body as { errors: unknown }).errors, { email: refusal("Email") });
  });

  test("the admin forms: a model's id and display name, an upload's display name", async () => {
    const rename = await answerOf(async () =>
      adminModels(
        args(
          await signedInRequest("/admin/models", {
            body: form({ intent: "rename", modelId: "tiny", displayName: NUL }),
          }),
        ),
      ),
    );
    assert.deepEqual(rename, { status: 400, body: { ok: false, error: refusal("Display name") } });

    const load = await answerOf(async () =>
      adminModels(args(await signedInRequest("/admin/models", { body: form({ intent: "load", modelId: NUL }) }))),
    );
    assert.deepEqual(load, { status: 400, body: { ok: false, error: refusal("Model id") } });

    const assign = await answerOf(async () =>
      adminNewModel(
        args(
          await signedInRequest("/admin/models/new", { body: form({ intent: "assign", modelId: NUL, apps: "chat" }) }),
        ),
      ),
    );
    assert.deepEqual(assign, { status: 400, body: { results: [], error: refusal("Model id") } });

    for (const displayName of [NUL, LONE]) {
      const request = await signedInRequest("/api/admin/uploads/u1", { body: { modelId: "tiny", displayName } });
      const install = await answerOf(() => installUpload(args(request, {}, { id: "u1" })));
      assert.deepEqual(install, { status: 400, body: { error: refusal("Display name"), code: "BAD_REQUEST" } });
    }
  });
});
