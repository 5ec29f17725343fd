// A failed request as a page shows it: the server's message, and Retry only where a later try
// can succeed (issue 14: an unsupported pair offered a Retry that could never work).
import assert from "node:assert/strict";
import { test } from "node:test";
import { errorOfResponse, readRequestError } from "./request-error";

const refusal = (status: number, body: unknown) =>
  errorOfResponse(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }));

test("a 4xx refusal keeps its message and code and cannot be retried", async () => {
  const error = await refusal(422, {
    error: "This model does not translate English to French.",
    code: "PAIR_NOT_SUPPORTED",
  });
  assert.deepEqual(readRequestError(error), {
    message: "This model does not translate English to French.",
    code: "PAIR_NOT_SUPPORTED",
    retryable: false,
  });
});

test("busy, rate-limited and server failures can be retried", async () => {
  for (const status of [429, 500, 503]) {
    const error = await refusal(status, { error: "Busy.", code: "BUSY" });
    assert.equal(readRequestError(error)?.retryable, true, String(status));
  }
});

test("a body that is not JSON is shown as text; an error from inside a stream can be retried", async () => {
  const error = await errorOfResponse(new Response("Bad gateway", { status: 502 }));
  assert.deepEqual(readRequestError(error), { message: "Bad gateway", retryable: true });
  assert.deepEqual(readRequestError(new Error("The model failed to answer. Try again.")), {
    message: "The model failed to answer. Try again.",
    retryable: true,
  });
  assert.equal(readRequestError(new TypeError("Failed to fetch"))?.message.startsWith("The server could not"), true);
  assert.equal(readRequestError(undefined), undefined);
});
