// POST /api/chats creates a conversation only when its first message could be answered: a refusal
// (the daily quota, a message the model cannot read) creates nothing. Other methods are 405.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_CHAT_SETTINGS } from "../../server/apps/chat-settings";
import { readModelPrompts } from "../../server/apps/prompts";
import { LimitExceededError } from "../../server/usage/errors";
import { answerOf, contextFor, signedInRequest } from "~/test-helpers";
import { action } from "./api.chats";

const fixture = fileURLToPath(new URL("../../server/inference/__fixtures__/tiny-llama/", import.meta.url));

/** The services the route reaches; `created` lists the conversations it made. */
function services({ overQuota = false } = {}) {
  const created: string[] = [];
  return {
    created,
    quotas: {
      assertWithinQuota: async () => {
        if (overQuota) throw new LimitExceededError("Daily limit of 5 requests reached.", 60);
      },
    },
    // A model of 512 positions that reads one token per character (and none for its template).
    registry: {
      languageModel: async () => ({
        row: { id: "small", displayName: "Small Model" },
        model: {},
        description: {
          name: "Small Model",
          maxPositions: 512,
          countTokens: (messages: readonly { content: unknown }[]) =>
            messages.map((m) => String(m.content)).join("").length,
          prompts: readModelPrompts(fixture),
        },
      }),
    },
    chatDefaults: { get: async () => DEFAULT_CHAT_SETTINGS },
    chats: {
      createChat: async (_userId: string, title: string, { id, temporary }: { id: string; temporary: boolean }) => {
        created.push(id);
        return { id, title, temporary };
      },
    },
  };
}

const post = async (body: unknown, method = "POST") => signedInRequest("/api/chats", { method, body });

describe("POST /api/chats", () => {
  test("creates the conversation, titled by its first message", async () => {
    const s = services();
    const id = randomUUID();
    const answer = await answerOf(async () =>
      action({ request: await post({ id, firstMessage: "Hello there" }), context: contextFor(s), params: {} }),
    );
    assert.deepEqual(answer, { status: 201, body: { chat: { id, title: "Hello there", temporary: false } } });
    assert.deepEqual(s.created, [id]);
  });

  test("over the daily quota: 429 with Retry-After, and no conversation", async () => {
    const s = services({ overQuota: true });
    const request = await post({ id: randomUUID(), firstMessage: "Hello" });
    const thrown = await action({ request, context: contextFor(s), params: {} }).catch((e: unknown) => e);
    assert.ok(thrown instanceof Response);
    assert.equal(thrown.status, 429);
    assert.equal(thrown.headers.get("Retry-After"), "60");
    assert.deepEqual(s.created, []);
  });

  test("a first message the model cannot read: 413 naming the model's context, and no conversation", async () => {
    const s = services();
    const request = await post({ id: randomUUID(), firstMessage: "x".repeat(500) });
    const answer = await answerOf(() => action({ request, context: contextFor(s), params: {} }));
    assert.equal(answer.status, 413);
    const body = answer.body as { error: string; code: string };
    assert.equal(body.code, "MESSAGE_TOO_LONG");
    assert.match(body.error, /^This message is \d+ tokens; Small Model reads at most 512 tokens including the answer/);
    assert.deepEqual(s.created, []);
  });

  test("PUT, PATCH and DELETE are 405 and create nothing", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const s = services();
      const request = await post({ id: randomUUID(), firstMessage: "Hello" }, method);
      const answer = await answerOf(() => action({ request, context: contextFor(s), params: {} }));
      assert.deepEqual(answer, {
        status: 405,
        body: { error: "Use POST to create a conversation.", code: "METHOD_NOT_ALLOWED" },
      });
      assert.deepEqual(s.created, []);
    }
  });
});
