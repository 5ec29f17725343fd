// /usage on a real PGlite: the numbers per day and application are the user's runs rows (other
// users' and older rows left out), the chart series carry them on their days, and the quota left
// is the limit less today's use.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createPersonalUsage } from "../../server/usage/personal-usage";
import { createQuotas } from "../../server/usage/quotas";
import { answerOf, contextFor, signedInRequest, testUser } from "~/test-helpers";
import { loader } from "./usage";

const DAY = 24 * 3600_000;
const other = "00000000-0000-4000-8000-000000000009";

describe("/usage", () => {
  let database: Database;
  const now = new Date();
  const threeDaysAgo = new Date(now.getTime() - 3 * DAY);

  before(async () => {
    database = await openTestDatabase();
    await database.db.insert(users).values([
      { id: testUser.id, email: "u@example.com", name: "U", passwordHash: "x" },
      { id: other, email: "o@example.com", name: "O", passwordHash: "x" },
    ]);
    const run = (
      userId: string,
      app: "chat" | "code",
      createdAt: Date,
      promptTokens: number,
      completionTokens: number,
    ) => ({
      userId,
      app,
      modelId: "m",
      status: "completed" as const,
      createdAt,
      promptTokens,
      completionTokens,
    });
    await database.db.insert(runs).values([
      run(testUser.id, "chat", now, 10, 5),
      run(testUser.id, "chat", now, 20, 7),
      run(testUser.id, "code", now, 30, 11),
      run(testUser.id, "code", threeDaysAgo, 40, 13),
      run(testUser.id, "chat", new Date(now.getTime() - 40 * DAY), 99, 99), // older than 30 days
      run(other, "chat", now, 1000, 1000), // someone else's
    ]);
    await createQuotas(database.db).setQuota(testUser.id, { dailyRequests: 10, dailyTokens: null });
  });
  after(() => database.close());

  test("per day and application, from the user's runs; quota left", async () => {
    const services = { personalUsage: createPersonalUsage(database.db), quotas: createQuotas(database.db) };
    const answer = await answerOf(async () =>
      loader({
        request: await signedInRequest("/usage", { method: "GET" }),
        context: contextFor(services),
        params: {},
      }),
    );
    assert.equal(answer.status, 200);
    const body = answer.body as Awaited<ReturnType<typeof loader>>;
    const day = (d: Date) => `${d.toISOString().slice(0, 10)}T00:00:00Z`;
    assert.deepEqual(body.rows, [
      { day: day(threeDaysAgo), app: "code", requests: 1, promptTokens: 40, completionTokens: 13 },
      { day: day(now), app: "chat", requests: 2, promptTokens: 30, completionTokens: 12 },
      { day: day(now), app: "code", requests: 1, promptTokens: 30, completionTokens: 11 },
    ]);
    assert.equal(body.buckets.length, 30);
    assert.equal(body.buckets.at(-1), day(now));
    const code = body.tokenSeries.find((s) => s.key === "code")!;
    assert.equal(code.values.at(-1), 11);
    assert.equal(code.values.at(-4), 13);
    assert.equal(body.requestSeries.find((s) => s.key === "chat")!.values.at(-1), 2);
    assert.deepEqual(body.totals, { requests: 4, promptTokens: 100, completionTokens: 36 });
    assert.equal(body.quota.requestsLeft, 7);
    assert.equal(body.quota.tokensLeft, null);
    assert.deepEqual(body.quota.today, { requests: 3, tokens: 23 });
  });

  test("a signed-out visitor is sent to sign in", async () => {
    const answer = await answerOf(async () =>
      loader({ request: new Request("http://loom.test/usage"), context: contextFor({}), params: {} }),
    );
    assert.equal(answer.status, 302);
  });
});
