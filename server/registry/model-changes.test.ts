// Two servers' registries on one database and one model store (the tiny fixture through the real
// engine): what is installed or assigned through A is served by B at once; what A replaces or
// removes, B drops — on A's notice, or at B's next poll when notices are lost — and B never
// serves a copy of an older revision. On PostgreSQL (DATABASE_URL) each registry has its own
// connection pool, as two servers have; on PGlite both share the one in-process database.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { streamText } from "ai";
import { openDatabase, type Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { logger } from "../logger";
import { watchModelChanges } from "./model-changes";
import { createRegistry, type Registry } from "./registry";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));
const MODEL = "shared-lm";

/** Waits until `check` holds, polling every 50 ms, or fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number, what: string) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("several servers' registries on one database", { timeout: 120_000 }, () => {
  let databaseA: Database;
  let databaseB: Database;
  let root: string;
  let store: string;
  let a: Registry;
  let b: Registry;
  const closers: (() => Promise<unknown>)[] = [];
  let staged = 0;

  /** A copy of the fixture to install, its position limit set so that the copies tell apart. */
  function stageFolder(maxPositions: number) {
    const dir = path.join(root, `upload-${++staged}`);
    cpSync(fixture, dir, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, max_position_embeddings: maxPositions }));
    return dir;
  }

  const registryOn = (database: Database) =>
    createRegistry({ db: database.db, modelsDir: store, logger, loadOptions: { session: { device: "cpu" } } });

  /** Through A: the copy with this position limit installed as MODEL and made Chat's default. */
  async function installThroughA(maxPositions: number) {
    await a.installUploaded(stageFolder(maxPositions), { modelId: MODEL, uploadedBy: null });
    await a.assign("chat", MODEL, true);
  }

  async function removeThroughA() {
    await a.unassign("chat", MODEL);
    await a.remove(MODEL);
  }

  before(async () => {
    databaseA = await openTestDatabase();
    databaseB = databaseA.driver === "postgres" ? await openDatabase({ url: process.env.DATABASE_URL }) : databaseA;
    root = mkdtempSync(path.join(tmpdir(), "loom-shared-"));
    store = path.join(root, "store");
    a = registryOn(databaseA);
    b = registryOn(databaseB);
    // B hears A's notices; its poll is too slow to explain anything these tests see.
    const watcher = await watchModelChanges({ database: databaseB, sweep: b.dropStale, intervalMs: 600_000, logger });
    closers.push(() => watcher.close());
  });
  after(async () => {
    for (const close of closers) await close();
    await a.close();
    await b.close();
    if (databaseB !== databaseA) await databaseB.close();
    await databaseA.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a model installed and assigned through A is served by B, no restart", async () => {
    await installThroughA(256);
    assert.deepEqual(
      (await b.modelsForApp("chat")).map((m) => [m.id, m.isDefault]),
      [[MODEL, true]],
    );
    const { row, model, description } = await b.languageModel("chat");
    assert.equal(row.id, MODEL);
    assert.equal(description.maxPositions, 256);
    const result = streamText({ model, prompt: "Hello", maxOutputTokens: 4, temperature: 0 });
    assert.equal((await result.usage).outputTokens, 4);
    assert.ok((await result.text).length > 0);
  });

  test("removed through A: B unloads its copy on A's notice", async () => {
    assert.equal((await b.status()).loaded, 1);
    await removeThroughA();
    await eventually(async () => (await b.status()).loaded === 0, 5_000, "B unloads the removed model");
    await assert.rejects(b.languageModel("chat"), { httpStatus: 503 });
  });

  test("replaced through A with no notice reaching B: B serves the new copy, never the old", async () => {
    // A third server that hears nothing (a lost LISTEN connection) and never polls.
    const deaf = registryOn(databaseB);
    closers.push(() => deaf.close());
    await installThroughA(256);
    assert.equal((await deaf.languageModel("chat")).description.maxPositions, 256);

    await removeThroughA();
    await installThroughA(128);
    const served = await deaf.languageModel("chat");
    assert.equal(served.description.maxPositions, 128, "the row's new revision, not the copy held");
    const result = streamText({ model: served.model, prompt: "Hi", maxOutputTokens: 3, temperature: 0 });
    assert.equal((await result.usage).outputTokens, 3);
    assert.equal((await deaf.status()).loaded, 1, "the old copy is unloaded, not kept beside the new one");
  });

  test("notices lost: B's poll drops what A removed within its interval", async () => {
    const polling = registryOn(databaseB);
    // The one stand-in here: a database whose LISTEN fails, since a lost listening connection
    // cannot be produced on PGlite (in-process notices); the rows, models and queries are real.
    const listenLost = {
      listen: () => Promise.reject(new Error("connection lost")),
    } satisfies Pick<Database, "listen">;
    const watcher = await watchModelChanges({
      database: listenLost,
      sweep: polling.dropStale,
      intervalMs: 1_000,
      logger,
    });
    closers.push(async () => {
      await watcher.close();
      await polling.close();
    });
    assert.equal((await polling.languageModel("chat")).description.maxPositions, 128);
    await removeThroughA();
    await eventually(async () => (await polling.status()).loaded === 0, 5_000, "the poll unloads the removed model");
  });
});
