import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthError } from "./auth/rules";
import { ChatNotFoundError } from "./chat/chat-store";
import { codeForStatus, HttpError, isPublicError, publicErrorOf } from "./http-error";
import { BusyError, RequestAbortedError } from "./inference";
import { ArchiveError } from "./uploads/archive";
import { LimitExceededError } from "./usage/errors";

test("every public error carries its status and a stable code", () => {
  const cases: [Error, number, string][] = [
    [new HttpError(404, "MODEL_NOT_FOUND", "There is no model."), 404, "MODEL_NOT_FOUND"],
    [new ChatNotFoundError(), 404, "CHAT_NOT_FOUND"],
    [new AuthError("THROTTLED", "Too many attempts.", 60), 429, "THROTTLED"],
    [new LimitExceededError("Daily quota reached.", 50), 429, "LIMIT_EXCEEDED"],
    [new BusyError(3, 16, 64), 429, "BUSY"],
    [new ArchiveError("PATH_TRAVERSAL", "../x escapes the folder."), 400, "PATH_TRAVERSAL"],
  ];
  for (const [error, status, code] of cases) {
    const info = publicErrorOf(error);
    assert.equal(info?.status, status, error.name);
    assert.equal(info?.code, code, error.name);
    assert.equal(info?.message, error.message);
  }
  assert.equal(publicErrorOf(new LimitExceededError("x", 50))?.retryAfterSeconds, 50);
  assert.equal(new BusyError(3, 1, 1).name, "BusyError");
});

test("anything else is not public: a plain Error, an abort, a look-alike object", () => {
  assert.equal(publicErrorOf(new Error("db password in here")), undefined);
  assert.equal(publicErrorOf(new RequestAbortedError()), undefined);
  // Duck-typing by shape is gone: only the brand counts.
  assert.equal(isPublicError(Object.assign(new Error("x"), { httpStatus: 400, name: "LimitExceededError" })), false);
  assert.equal(publicErrorOf("a string"), undefined);
});

test("the brand survives a second copy of the module (the Remix bundle's)", async () => {
  const copy = (await import(`./http-error.ts?copy=${Date.now()}`)) as typeof import("./http-error");
  assert.notEqual(copy.HttpError, HttpError);
  const fromCopy = new copy.HttpError(409, "CHAT_EXISTS", "exists");
  assert.equal(fromCopy instanceof HttpError, false);
  assert.deepEqual(publicErrorOf(fromCopy), { status: 409, code: "CHAT_EXISTS", message: "exists" });
});

test("codeForStatus names the generic refusals", () => {
  assert.equal(codeForStatus(404), "NOT_FOUND");
  assert.equal(codeForStatus(418), "HTTP_418");
});
