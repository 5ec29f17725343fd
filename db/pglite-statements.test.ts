// PGlite's statements kept by their text (pglite-statements.ts): each answers exactly as PGlite's
// own query does, a text is parsed once however often it runs, the kept ones are bounded, a
// failure leaves the session usable, a schema change is survived, and a transaction still holds
// other statements back. The database's own list of prepared statements (pg_prepared_statements,
// read with `exec`, which this does not touch) says what was parsed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PGlite, types } from "@electric-sql/pglite";
import { keepPreparedStatements } from "./pglite-statements";

async function twoClients() {
  const plain = new PGlite();
  const kept = new PGlite();
  await Promise.all([plain.waitReady, kept.waitReady]);
  keepPreparedStatements(kept, 3);
  for (const client of [plain, kept])
    await client.exec(
      `create table t (id int primary key, name text, at timestamptz, tags text[], doc jsonb, ok boolean)`,
    );
  return { plain, kept, close: () => Promise.all([plain.close(), kept.close()]) };
}

async function preparedTexts(client: PGlite): Promise<string[]> {
  const [result] = await client.exec(`select statement from pg_prepared_statements order by prepare_time`);
  return result!.rows.map((row) => String((row as { statement: string }).statement));
}

test("answers as PGlite's own query does: rows, types, nulls, row modes, parsers, counts", async () => {
  const { plain, kept, close } = await twoClients();
  try {
    const insert = `insert into t values ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12)`;
    const params: unknown[] = [1, "one", new Date("2026-12-03T10:00:00Z"), ["a", "b"], { k: [1, 2] }, true];
    params.push(2, null, null, null, null, false);
    const select = `select * from t where id >= $1 order by id`;
    for (const client of [plain, kept]) assert.equal((await client.query(insert, params)).affectedRows, 2);
    for (const options of [undefined, { rowMode: "array" as const }, { parsers: { [types.TIMESTAMPTZ]: String } }]) {
      const [a, b] = [await plain.query(select, [0], options), await kept.query(select, [0], options)];
      assert.deepEqual(b.rows, a.rows);
      assert.deepEqual(b.fields, a.fields);
    }
    const update = `update t set ok = $1 where id = $2`;
    assert.deepEqual(await kept.query(update, [true, 2]), await plain.query(update, [true, 2]));
    assert.deepEqual(await kept.query(`select 1 as n`), await plain.query(`select 1 as n`));
  } finally {
    await close();
  }
});

test("a text is parsed once however often it runs, and at most `capacity` texts are kept", async () => {
  const { kept, close } = await twoClients();
  try {
    for (let i = 0; i < 5; i++) await kept.query(`select $1::int + 1 as n`, [i]);
    assert.deepEqual(await preparedTexts(kept), [`select $1::int + 1 as n`]);
    for (const n of [2, 3, 4, 5]) await kept.query(`select $1::int + ${n} as n`, [0]);
    // Capacity 3: the oldest two were closed (the last eviction is closed before the next parse).
    const texts = await preparedTexts(kept);
    assert.ok(texts.length <= 4, texts.join("; "));
    assert.ok(!texts.includes(`select $1::int + 1 as n`), texts.join("; "));
    assert.deepEqual((await kept.query(`select $1::int + 1 as n`, [1])).rows, [{ n: 2 }]);
  } finally {
    await close();
  }
});

test("a failed statement throws PGlite's error, with its text, and the next one runs", async () => {
  const { kept, close } = await twoClients();
  try {
    const insert = `insert into t (id, name) values ($1, $2)`;
    await kept.query(insert, [1, "one"]);
    const error = await kept.query(insert, [1, "again"]).then(
      () => assert.fail("the duplicate key was accepted"),
      (e: unknown) => e as { code: string; query: string; params: unknown[] },
    );
    assert.equal(error.code, "23505");
    assert.equal(error.query, insert);
    assert.deepEqual(error.params, [1, "again"]);
    await assert.rejects(kept.query(`select no_such_column from t`), /no_such_column/);
    assert.deepEqual((await kept.query(`select name from t where id = $1`, [1])).rows, [{ name: "one" }]);
  } finally {
    await close();
  }
});

test("a statement kept across a schema change answers with the new columns", async () => {
  const { kept, close } = await twoClients();
  try {
    await kept.query(`insert into t (id, name) values ($1, $2)`, [1, "one"]);
    const select = `select * from t where id = $1`;
    await kept.query(select, [1]);
    await kept.exec(`alter table t add column extra int default 7`);
    assert.equal((await kept.query<{ extra: number }>(select, [1])).rows[0]!.extra, 7);
    await kept.exec(`deallocate all`);
    assert.equal((await kept.query<{ extra: number }>(select, [1])).rows[0]!.extra, 7);
    assert.equal((await kept.query<{ extra: number }>(select, [1])).rows[0]!.extra, 7);
  } finally {
    await close();
  }
});

test("a statement waits for an open transaction, as PGlite's own query does", async () => {
  const { plain, kept, close } = await twoClients();
  try {
    for (const client of [plain, kept]) assert.deepEqual(await countBehindTransaction(client), [{ n: 1 }]);
  } finally {
    await close();
  }
});

async function countBehindTransaction(client: PGlite) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const transaction = client.transaction(async (tx) => {
    await tx.query(`insert into t (id, name) values (1, 'inside')`);
    await held;
  });
  const outside = client.query<{ n: number }>(`select count(*)::int as n from t`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  await transaction;
  return (await outside).rows;
}
