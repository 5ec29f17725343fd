// The log: one JSON object per line; a failed query is logged without its parameters (what a user
// typed), and the AI SDK's warnings come here instead of the console.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, mock, test } from "node:test";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { generateText } from "ai";
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { openTestDatabase } from "../db/test-database";
import { logger } from "./logger";

describe("logger", () => {
  let database: Database;
  before(async () => {
    database = await openTestDatabase();
  });
  after(() => database.close());

  let lines: string[];
  beforeEach(() => {
    lines = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    mock.method(process.stderr, "write", capture);
    mock.method(process.stdout, "write", capture);
  });
  afterEach(() => mock.restoreAll());

  test("a failed query is logged with its statement and cause, never its parameters", async () => {
    const error = await database.db
      .execute(sql`select ${"my secret message"}::int`)
      .then(() => assert.fail("the query should fail"))
      .catch((e: unknown) => e);
    logger.error("unexpected error in an API route", { error });
    // Only this line: the test runner's own output may be written while stdout is captured.
    const ours = lines.filter((l) => l.includes("unexpected error in an API route"));
    assert.equal(ours.length, 1);
    assert.doesNotMatch(ours[0]!, /my secret message/);
    const logged = JSON.parse(ours[0]!) as {
      error: { message: string; stack: string; cause: { message: string; code: string } };
    };
    assert.match(logged.error.message, /^Failed query: select \$1::int\nparams: \(not logged\)$/);
    assert.match(logged.error.stack, /params: \(not logged\)/);
    assert.equal(logged.error.cause.message, "invalid input syntax for type integer: (value not logged)");
    assert.equal(logged.error.cause.code, "22P02");
  });

  test("other errors keep their message", () => {
    logger.warn("failed", { error: new Error("params: are fine here") });
    assert.equal((JSON.parse(lines[0]!) as { error: { message: string } }).error.message, "params: are fine here");
  });

  test("a model's warnings do not reach the console as text", async () => {
    const warn = mock.method(console, "warn", () => {});
    const info = mock.method(console, "info", () => {});
    const model: LanguageModelV3 = {
      specificationVersion: "v3",
      provider: "test",
      modelId: "warns",
      supportedUrls: {},
      doGenerate: async () => ({
        content: [{ type: "text", text: "ok" }],
        finishReason: { unified: "stop", raw: undefined },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        warnings: [{ type: "unsupported", feature: "tools" }],
      }),
      doStream: () => Promise.reject(new Error("not used")),
    };
    await generateText({ model, prompt: "Hi" });
    assert.equal(warn.mock.callCount() + info.mock.callCount(), 0);
    // At debug level, below the default threshold: nothing on stdout or stderr either.
    assert.deepEqual(lines, []);
  });
});
