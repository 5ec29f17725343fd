// The HTTP glue every API route shares: errors as `{ error, code }` JSON with their status (and
// Retry-After), bounded and validated JSON bodies, sign-in and admission checks.
import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import { createCookie, type AppLoadContext } from "@remix-run/node";
import { z } from "zod";
import { AuthError } from "../server/auth/rules";
import { HttpError } from "../server/http-error";
import { logger } from "../server/logger";
import { LimitExceededError } from "../server/usage/errors";
import { admitGeneration, apiError, readJson, requireApiAdmin, requireApiUser, rethrowAsApiError } from "./api.server";

/** The Response a call throws (routes throw responses); fails when it throws something else or nothing. */
async function thrownResponse(call: () => unknown): Promise<Response> {
  try {
    await call();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
  assert.fail("nothing was thrown");
}

async function expectApiError(
  call: () => unknown,
  status: number,
  body: { error: string | RegExp; code: string },
  retryAfter: string | null = null,
) {
  const response = await thrownResponse(call);
  assert.equal(response.status, status);
  assert.match(response.headers.get("Content-Type") ?? "", /^application\/json/);
  assert.equal(response.headers.get("Retry-After"), retryAfter);
  const json = (await response.json()) as { error: string; code: string };
  assert.equal(json.code, body.code);
  if (typeof body.error === "string") assert.equal(json.error, body.error);
  else assert.match(json.error, body.error);
}

const jsonRequest = (body: string, contentType = "application/json") =>
  new Request("http://loom.test/api/x", { method: "POST", headers: { "Content-Type": contentType }, body });

describe("apiError", () => {
  test("answers { error, code } with the status; the code defaults to the status's own", async () => {
    await expectApiError(() => apiError(404, "No such thing."), 404, { error: "No such thing.", code: "NOT_FOUND" });
    await expectApiError(() => apiError(409, "Taken.", { code: "ID_TAKEN" }), 409, {
      error: "Taken.",
      code: "ID_TAKEN",
    });
  });

  test("Retry-After in whole seconds, rounded up; none without a wait", async () => {
    await expectApiError(
      () => apiError(429, "Slow down.", { retryAfterSeconds: 2.1 }),
      429,
      { error: "Slow down.", code: "RATE_LIMITED" },
      "3",
    );
    await expectApiError(() => apiError(503, "Busy.", { retryAfterSeconds: 0 }), 503, {
      error: "Busy.",
      code: "UNAVAILABLE",
    });
  });
});

describe("readJson", () => {
  const schema = z.object({ text: z.string().min(1, "Write something.").max(5, "At most 5 characters.") });

  test("a valid body comes back parsed", async () => {
    assert.deepEqual(await readJson(jsonRequest('{"text":"hi","extra":1}'), schema), { text: "hi" });
  });

  test("not JSON by its Content-Type: 415", async () => {
    await expectApiError(() => readJson(jsonRequest('{"text":"hi"}', "text/plain"), schema), 415, {
      error: "Send the request as JSON.",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  });

  test("over the byte limit: 413 with the limit in KiB", async () => {
    await expectApiError(() => readJson(jsonRequest(JSON.stringify({ text: "x".repeat(2048) })), schema, 2048), 413, {
      error: "Request too large: the limit is 2 KiB.",
      code: "TOO_LARGE",
    });
  });

  test("broken JSON: 400", async () => {
    await expectApiError(() => readJson(jsonRequest("{ nope"), schema), 400, {
      error: "The request body is not valid JSON.",
      code: "BAD_REQUEST",
    });
  });

  test("a schema refusal names the problem: 413 for a value too long, 400 for the rest", async () => {
    await expectApiError(() => readJson(jsonRequest('{"text":"too long"}'), schema), 413, {
      error: "At most 5 characters.",
      code: "TOO_LARGE",
    });
    await expectApiError(() => readJson(jsonRequest('{"text":""}'), schema), 400, {
      error: "Write something.",
      code: "BAD_REQUEST",
    });
  });
});

describe("rethrowAsApiError", () => {
  test("a thrown Response passes through as it is", async () => {
    const original = new Response("gone", { status: 410 });
    assert.equal(await thrownResponse(() => rethrowAsApiError(original)), original);
  });

  test("a public error keeps its status, code, message and wait", async () => {
    await expectApiError(() => rethrowAsApiError(new HttpError(422, "PAIR_NOT_SUPPORTED", "No such pair.")), 422, {
      error: "No such pair.",
      code: "PAIR_NOT_SUPPORTED",
    });
    await expectApiError(
      () => rethrowAsApiError(new AuthError("THROTTLED", "Too many attempts.", 60)),
      429,
      { error: "Too many attempts.", code: "THROTTLED" },
      "60",
    );
  });

  test("anything else is logged and becomes a plain 500", async (t) => {
    const logged = t.mock.method(logger, "error", () => {});
    await expectApiError(() => rethrowAsApiError(new Error("connection reset: secret detail")), 500, {
      error: "Something went wrong on our side.",
      code: "INTERNAL",
    });
    assert.equal(logged.mock.callCount(), 1);
  });
});

describe("sign-in and admission", () => {
  const sessionCookie = createCookie("loom_session", { secrets: ["test"] });
  const people = {
    "token-user": { id: "u1", email: "u@example.com", name: "U", role: "user", createdAt: new Date() },
    "token-admin": { id: "a1", email: "a@example.com", name: "A", role: "admin", createdAt: new Date() },
  } as const;

  function contextWith(services: Record<string, unknown>) {
    const auth = { userForSession: async (token: string) => people[token as keyof typeof people] ?? null };
    return { services: { sessionCookie, auth, ...services }, clientAddress: "127.0.0.1" } as unknown as AppLoadContext;
  }
  const requestAs = async (token?: string) =>
    new Request("http://loom.test/api/x", {
      headers: token ? { Cookie: await sessionCookie.serialize(token) } : {},
    });

  test("signed out: 401; signed in: the user; admin APIs: 403 for users", async () => {
    const context = contextWith({});
    await expectApiError(async () => requireApiUser(await requestAs(), context), 401, {
      error: "Sign in to use this application.",
      code: "UNAUTHENTICATED",
    });
    assert.equal((await requireApiUser(await requestAs("token-user"), context)).id, "u1");
    await expectApiError(async () => requireApiAdmin(await requestAs("token-user"), context), 403, {
      error: "This is for administrators.",
      code: "FORBIDDEN",
    });
    assert.equal((await requireApiAdmin(await requestAs("token-admin"), context)).id, "a1");
  });

  test("the burst limit and the daily quota answer 429 with Retry-After", async () => {
    const user = people["token-user"];
    const assertWithinQuota = mock.fn(async () => {});
    const open = contextWith({ rateLimiter: { take: () => {} }, quotas: { assertWithinQuota } });
    await admitGeneration(open, user);
    assert.equal(assertWithinQuota.mock.callCount(), 1);

    const limited = contextWith({
      rateLimiter: {
        take: () => {
          throw new LimitExceededError("Too many requests: wait a moment.", 12.2);
        },
      },
      quotas: { assertWithinQuota },
    });
    await expectApiError(
      () => admitGeneration(limited, user),
      429,
      { error: "Too many requests: wait a moment.", code: "LIMIT_EXCEEDED" },
      "13",
    );
    assert.equal(assertWithinQuota.mock.callCount(), 1, "the quota is not asked once the burst limit refused");
  });
});
