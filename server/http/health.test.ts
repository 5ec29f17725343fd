// /healthz's check: a probe at most once a second, never waited for while the last result is
// under 5 s old (and for at most 100 ms when it is older), and a database that stops answering reported degraded once no ping has succeeded for 10 s.
// The first test queues the ping behind real statements on a real PGlite; the others drive the
// ping by hand (a database that hangs cannot be produced on demand) and say so.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "../../db/client";
import { createHealthCheck } from "./health";

const registry = {
  status: async () => ({ models: {}, assignments: 0, loaded: 0, generating: { active: 0, waiting: 0 }, remotes: {} }),
};

describe("health check", () => {
  let database: Database;
  // The embedded database whatever DATABASE_URL says: its one connection makes a queue of forty
  // short statements hold a ping back for seconds (a PostgreSQL pool of 10 would need 400).
  before(async () => (database = await openDatabase({})));
  after(() => database.close());

  test("a ping queued behind a busy database is not waited for: the last result comes back at once", async () => {
    const health = createHealthCheck({ database, registry });
    assert.equal((await health.report()).healthy, true);
    // PGlite runs one statement at a time: these hold the ping back for well over a second
    // (`then` sends each now: drizzle's queries run when they are awaited).
    const busy = Array.from({ length: 40 }, () => database.db.execute(sql`select pg_sleep(0.05)`).then(() => {}));
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the first result is no longer fresh
    const started = performance.now();
    const report = await health.report();
    const waited = performance.now() - started;
    assert.equal(report.healthy, true);
    assert.ok(report.checkedMsAgo >= 1_000, `reported a result ${report.checkedMsAgo} ms old`);
    // Not even the 100 ms a stale result would wait: the probe's answer is the next request's.
    assert.ok(waited < 90, `waited ${waited} ms for a queued ping`);
    await Promise.all(busy);
  });

  test("one probe per second however many requests ask (driven by hand)", async () => {
    let pings = 0;
    let clock = 0;
    const health = createHealthCheck({ database: { ping: async () => void pings++ }, registry }, () => clock);
    for (let i = 0; i < 20; i++) await health.report();
    assert.equal(pings, 1);
    clock = 1_500;
    await Promise.all(Array.from({ length: 20 }, () => health.report()));
    assert.equal(pings, 2);
  });

  test("a failing ping is degraded by the next request; a hanging one after 10 s, and a later ping recovers (driven by hand)", async () => {
    let clock = 0;
    let behaviour: "ok" | "fail" | "hang" = "ok";
    const ping = () =>
      behaviour === "ok"
        ? Promise.resolve()
        : behaviour === "fail"
          ? Promise.reject(new Error("connection refused"))
          : new Promise<void>(() => {});
    const health = createHealthCheck({ database: { ping }, registry }, () => clock);
    assert.equal((await health.report()).healthy, true);

    behaviour = "fail";
    clock = 2_000;
    assert.equal((await health.report()).healthy, true, "the last result, while the failing probe runs");
    await new Promise((resolve) => setImmediate(resolve)); // the probe settles
    const failed = await health.report();
    assert.equal(failed.healthy, false);
    assert.match(failed.database.error ?? "", /connection refused/);

    behaviour = "hang";
    clock = 4_000;
    assert.equal((await health.report()).healthy, false, "still the last result: a failure");
    behaviour = "ok";
    clock = 5_000; // the hanging probe is still the one in progress
    assert.equal((await health.report()).healthy, false);
    clock = 15_000; // left behind: a new probe runs and succeeds (waited for: the last result is 11 s old)
    assert.equal((await health.report()).healthy, true);

    behaviour = "hang";
    clock = 17_000;
    assert.equal((await health.report()).healthy, true, "a result 2 s old, the probe still running");
    clock = 26_000;
    const stale = await health.report();
    assert.equal(stale.healthy, false);
    assert.match(stale.database.error ?? "", /has not answered a ping for 11 s/);
  });
});
