// The log: one JSON object per line; a failed query is logged without its parameters (what a user
// typed).
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, mock, test } from "node:test";
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
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /my secret message/);
    const logged = JSON.parse(lines[0]!) as {
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
});
