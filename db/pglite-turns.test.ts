// Queued PGlite statements leave the event loop a turn between them (pglite-turns.ts): a timer
// due while forty slow statements wait fires on time, not after the last of them. It fails
// without the turns (the timer fired after 2.3 s here).
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "drizzle-orm";
import { openDatabase } from "./client";

test("a timer fires between queued PGlite statements", async () => {
  const database = await openDatabase({});
  try {
    const started = performance.now();
    let finished = 0;
    // `then` sends each now: drizzle's queries run when they are awaited.
    const queued = Array.from({ length: 40 }, () =>
      database.db.execute(sql`select pg_sleep(0.05)`).then(() => void finished++),
    );
    const firedAfter = await new Promise<number>((resolve) => setTimeout(() => resolve(finished), 200));
    const firedAt = performance.now() - started;
    await Promise.all(queued);
    assert.ok(firedAfter < 30, `the timer waited for ${firedAfter} of 40 statements (${Math.round(firedAt)} ms)`);
  } finally {
    await database.close();
  }
});

test("statements keep their order and a failing one does not stop the queue", async () => {
  const database = await openDatabase({});
  try {
    const order: number[] = [];
    const results = await Promise.allSettled([
      database.db.execute(sql`select 1`).then(() => order.push(1)),
      database.db.execute(sql`select no_such_function()`).then(() => order.push(2)),
      database.db.transaction(async (tx) => {
        await tx.execute(sql`select 3`);
        order.push(3);
      }),
      database.db.execute(sql`select 4`).then(() => order.push(4)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled"],
    );
    assert.deepEqual(order, [1, 3, 4]);
  } finally {
    await database.close();
  }
});
