// POST /api/chat is the only way to send a message: other methods are 405 and start nothing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { answerOf, contextFor, signedInRequest } from "~/test-helpers";
import { action as stop } from "./api.chat.$id.stop";
import { action as send } from "./api.chat._index";

test("sending and stopping answer other methods with 405, before any service is asked", async () => {
  const chatId = randomUUID();
  const body = { chatId, parentId: null, message: { id: randomUUID(), text: "Hello" } };
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    const sent = await answerOf(async () =>
      send({ request: await signedInRequest("/api/chat", { method, body }), context: contextFor({}), params: {} }),
    );
    assert.deepEqual(sent, { status: 405, body: { error: "Use POST to send a message.", code: "METHOD_NOT_ALLOWED" } });
    const stopped = await answerOf(async () =>
      stop({
        request: await signedInRequest(`/api/chat/${chatId}/stop`, { method }),
        context: contextFor({}),
        params: { id: chatId },
      }),
    );
    assert.deepEqual(stopped, {
      status: 405,
      body: { error: "Use POST to stop an answer.", code: "METHOD_NOT_ALLOWED" },
    });
  }
});
