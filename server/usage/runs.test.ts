import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createRunRecorder } from "./runs";

describe("run recorder: shutdown waits for every run's outcome", () => {
  let database: Database;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    const [user] = await database.db
      .insert(users)
      .values({ email: "runs@example.com", name: "Runs", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(() => database.close());

  const statusOf = async (runId: string) =>
    (await database.db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId)))[0]?.status;

  test("settle waits for a run whose outcome is not yet being written (a stream still ending)", async () => {
    const recorder = createRunRecorder(database.db);
    const runId = await recorder.start({ userId, app: "code", modelId: "m" });
    assert.equal(recorder.open, 1);
    let settled = false;
    const settling = recorder.settle(5_000).then((left) => {
      settled = true;
      return left;
    });
    // The stream ends a little later, after its request (and the slot) are gone.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(settled, false, "settle does not resolve while a run is open");
    await recorder.finish(runId, { status: "stopped", completionTokens: 3 });
    assert.equal(await settling, 0);
    assert.equal(await statusOf(runId), "stopped", "written before settle resolved");
  });

  test("settle gives up after its bound and says how many runs are left open", async () => {
    const recorder = createRunRecorder(database.db);
    await recorder.start({ userId, app: "code", modelId: "m" });
    const started = Date.now();
    assert.equal(await recorder.settle(100), 1);
    assert.ok(Date.now() - started >= 90);
  });

  test("a run left to recovery (forget) is not waited for", async () => {
    const recorder = createRunRecorder(database.db);
    const runId = await recorder.start({ userId, app: "chat", modelId: "m" });
    recorder.forget(runId);
    const started = Date.now();
    assert.equal(await recorder.settle(2_000), 0);
    assert.ok(Date.now() - started < 500);
  });

  test("a finish that fails still closes the run", async () => {
    const recorder = createRunRecorder(database.db);
    const runId = await recorder.start({ userId, app: "code", modelId: "m" });
    await assert.rejects(recorder.finish(runId, { status: "failed", error: "x", durationMs: Number.NaN }));
    assert.equal(recorder.open, 0);
  });
});
