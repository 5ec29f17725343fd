import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { isLimitExceededError } from "./errors";
import { createQuotas, type Quotas } from "./quotas";
import { createRateLimiter } from "./rate-limiter";

describe("daily quotas", () => {
  let database: Database;
  let quotas: Quotas;
  let ann: string;
  let ben: string;
  const now = new Date("2026-03-01T22:00:00Z");

  before(async () => {
    database = await openTestDatabase();
    quotas = createQuotas(database.db, () => now);
    const rows = await database.db
      .insert(users)
      .values([
        { email: "ann@example.com", name: "Ann", passwordHash: "x" },
        { email: "ben@example.com", name: "Ben", passwordHash: "x" },
      ])
      .returning();
    [ann, ben] = rows.map((r) => r.id) as [string, string];
  });
  after(() => database.close());

  test("no quota set means no limit", async () => {
    await quotas.assertWithinQuota(ann);
  });

  test("the default applies to everyone; a user override wins; the error names the reset time", async () => {
    await quotas.setQuota(null, { dailyRequests: 2, dailyTokens: null });
    await quotas.setQuota(ben, { dailyRequests: null, dailyTokens: 100 });
    await database.db.insert(runs).values([
      { userId: ann, app: "chat", modelId: "m", completionTokens: 10, createdAt: now },
      { userId: ann, app: "chat", modelId: "m", completionTokens: 10, createdAt: now },
      // Yesterday's run does not count.
      { userId: ann, app: "chat", modelId: "m", completionTokens: 10, createdAt: new Date("2026-02-28T23:00:00Z") },
      { userId: ben, app: "chat", modelId: "m", completionTokens: 60, createdAt: now },
    ]);
    await assert.rejects(quotas.assertWithinQuota(ann), (e: unknown) => {
      assert.ok(isLimitExceededError(e));
      assert.match(e.message, /2 requests.*2026-03-02 00:00 UTC/);
      assert.equal(e.retryAfterSeconds, 2 * 3600);
      return true;
    });
    await quotas.assertWithinQuota(ben); // 1 request, 60 tokens: under his own limits
    await database.db
      .insert(runs)
      .values({ userId: ben, app: "code", modelId: "m", completionTokens: 50, createdAt: now });
    await assert.rejects(quotas.assertWithinQuota(ben), /100 generated tokens/);

    // Raising the default with upsert, then clearing Ben's override puts him on the default.
    await quotas.setQuota(null, { dailyRequests: 10, dailyTokens: null });
    await quotas.assertWithinQuota(ann);
    await quotas.clearUserQuota(ben);
    assert.equal((await quotas.quotaFor(ben)).source, "default");
  });

  test("the admin page's view: every override, today's usage per user, the reset time", async () => {
    await quotas.setQuota(ann, { dailyRequests: 5, dailyTokens: null });
    assert.deepEqual([...(await quotas.listUserQuotas())], [[ann, { dailyRequests: 5, dailyTokens: null }]]);
    const usage = await quotas.usageTodayByUser();
    assert.deepEqual(usage.get(ann), { requests: 2, tokens: 20 });
    assert.deepEqual(usage.get(ben), { requests: 2, tokens: 110 });
    assert.equal(quotas.resetsAt().toISOString(), "2026-03-02T00:00:00.000Z");
    await quotas.clearUserQuota(ann);
    assert.equal((await quotas.listUserQuotas()).size, 0);
  });
});

describe("rate limiter", () => {
  test("allows `limit` hits per window and tells how long to wait", () => {
    let t = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => t });
    limiter.take("u");
    t = 10_000;
    limiter.take("u");
    limiter.take("other");
    assert.throws(
      () => limiter.take("u"),
      (e: unknown) => isLimitExceededError(e) && e.retryAfterSeconds === 50,
    );
    t = 60_001;
    limiter.take("u");
  });
});
