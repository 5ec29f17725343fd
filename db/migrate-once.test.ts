// Several servers starting at once on a fresh PostgreSQL database: every one opens it, and each
// migration is applied once (the advisory lock in db/client.ts). Separate processes, as servers
// are; they start migrating at the same moment. Needs a PostgreSQL server (DATABASE_URL).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import postgres from "postgres";
import { createFreshPostgres, NO_POSTGRES, type FreshPostgres } from "./fresh-postgres";

const SERVERS = 6;
const journal = JSON.parse(readFileSync(new URL("./migrations/meta/_journal.json", import.meta.url), "utf8")) as {
  entries: unknown[];
};

/** One process that waits for `startAt` (all imports done), then opens the database. */
function openInProcess(url: string, startAt: number) {
  const code = `const { openDatabase } = await import("./db/client.ts");
    await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));
    const database = await openDatabase({ url: ${JSON.stringify(url)} });
    await database.ping();
    await database.close();
    console.log("opened");`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output })),
  );
}

describe("migrations on a shared PostgreSQL", { timeout: 120_000 }, () => {
  let fresh: FreshPostgres | undefined;
  before(async () => {
    fresh = await createFreshPostgres("loom_migrate");
  });
  after(async () => {
    await fresh?.drop();
  });

  test(`${SERVERS} servers starting at once all open it; each migration is applied once`, async (t) => {
    if (!fresh) return t.skip(NO_POSTGRES);
    // Far enough ahead that every process has loaded its modules (2 CPU cores, shared).
    const startAt = Date.now() + 8_000;
    const results = await Promise.all(Array.from({ length: SERVERS }, () => openInProcess(fresh!.url, startAt)));
    for (const [i, result] of results.entries()) assert.equal(result.code, 0, `server ${i + 1}: ${result.output}`);

    const client = postgres(fresh.url, { max: 1, onnotice: () => {} });
    try {
      const applied = await client<{ hash: string }[]>`select hash from drizzle.__drizzle_migrations`;
      assert.equal(applied.length, journal.entries.length);
      assert.equal(new Set(applied.map((m) => m.hash)).size, journal.entries.length);
      const [tables] = await client<{ n: number }[]>`
        select count(*)::int as n from information_schema.tables where table_schema = 'public'`;
      assert.ok(tables!.n >= 13, `the schema's tables exist (${tables!.n})`);
    } finally {
      await client.end({ timeout: 5 });
    }
  });
});
