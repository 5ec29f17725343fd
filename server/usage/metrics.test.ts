import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { runs } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createMetrics } from "./metrics";

describe("run metrics", () => {
  let database: Database;
  before(async () => {
    database = await openTestDatabase();
  });
  after(() => database.close());

  test("percentiles, decode speed and failures per model and app", async () => {
    const base = { modelId: "loom-chat", app: "chat" as const, status: "completed" as const };
    await database.db.insert(runs).values([
      ...[100, 200, 300, 400].map((ttft) => ({
        ...base,
        timeToFirstTokenMs: ttft,
        completionTokens: 50,
        durationMs: 500,
      })),
      { ...base, status: "failed" as const, error: "boom", completionTokens: 0, durationMs: 10 },
      { ...base, app: "translate" as const, timeToFirstTokenMs: 50, completionTokens: 10, durationMs: 100 },
    ]);
    const metrics = createMetrics(database.db);
    const rows = await metrics.summary();
    const chat = rows.find((r) => r.app === "chat")!;
    assert.equal(chat.requests, 5);
    assert.equal(chat.failures, 1);
    assert.equal(chat.p50TtftMs, 250);
    assert.ok(Math.abs(chat.p95TtftMs! - 385) < 1e-6);
    assert.equal(chat.tokensPerSecond, 100, "200 tokens over 2 s of decoding");
    assert.equal(rows.find((r) => r.app === "translate")?.requests, 1);
    const hourly = await metrics.hourly();
    assert.equal(
      hourly.reduce((n, h) => n + h.requests, 0),
      6,
    );
    assert.match(hourly[0]!.hour, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
    assert.deepEqual(
      (await metrics.recentFailures()).map((f) => f.error),
      ["boom"],
    );
  });
});
