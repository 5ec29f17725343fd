// Two processes on one embedded database folder: the second is refused before it touches the
// files, the lock goes with close, and a lock left by a killed process does not block a start.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { openDatabase } from "./client";
import { DatabaseInUseError } from "./lock";
import { users } from "./schema";

const root = mkdtempSync(path.join(tmpdir(), "loom-lock-"));
let folders = 0;
const freshFolder = () => path.join(root, `pglite-${++folders}`);

/** Runs an ES module snippet in another Node process, from the repository root. */
function runNode(code: string, onOutput?: (text: string) => void) {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

const openIn = (dir: string) =>
  `const { openDatabase } = await import("./db/client.ts");
   const database = await openDatabase({ pgliteDir: ${JSON.stringify(dir)} });
   console.log("opened");
   await database.close();`;

describe("the embedded database folder lock", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  test("a second process is refused with a clear message, and the data stays intact", async () => {
    const dir = freshFolder();
    const first = await openDatabase({ pgliteDir: dir });
    try {
      await first.db.insert(users).values({ email: "kept@example.com", name: "Kept", passwordHash: "x" });
      const second = await runNode(openIn(dir)).exited;
      assert.notEqual(second.code, 0);
      assert.doesNotMatch(second.stdout, /opened/);
      assert.match(second.stderr, new RegExp(`in use by process ${process.pid} `));
      assert.match(second.stderr, /stop that one first, or set DATABASE_URL/);
      assert.deepEqual(
        (await first.db.select({ email: users.email }).from(users)).map((u) => u.email),
        ["kept@example.com"],
      );
    } finally {
      await first.close();
    }
    const reopened = await openDatabase({ pgliteDir: dir });
    assert.equal((await reopened.db.select().from(users)).length, 1);
    await reopened.close();
  });

  test("the same process cannot open it twice either", async () => {
    const dir = freshFolder();
    const first = await openDatabase({ pgliteDir: dir });
    await assert.rejects(openDatabase({ pgliteDir: dir }), DatabaseInUseError);
    await first.close();
  });

  test("close releases it: another process opens it next", async () => {
    const dir = freshFolder();
    await (await openDatabase({ pgliteDir: dir })).close();
    assert.equal(existsSync(`${dir}.lock`), false);
    const next = await runNode(openIn(dir)).exited;
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /opened/);
  });

  test("a lock left by a killed process does not block the next start", async () => {
    const dir = freshFolder();
    let ready!: () => void;
    const locked = new Promise<void>((resolve) => (ready = resolve));
    const holder = runNode(
      `const { lockDatabaseFolder } = await import("./db/lock.ts");
       await lockDatabaseFolder(${JSON.stringify(dir)});
       console.log("locked");
       setInterval(() => {}, 1000);`,
      (out) => out.includes("locked") && ready(),
    );
    await locked;
    holder.child.kill("SIGKILL"); // no exit handlers: the lock directory and owner note stay
    assert.equal((await holder.exited).signal, "SIGKILL");
    assert.equal(existsSync(`${dir}.lock`), true);
    const startedAt = Date.now();
    const database = await openDatabase({ pgliteDir: dir });
    await database.close();
    assert.ok(Date.now() - startedAt < 30_000, "taken over at once, not after the lock went stale");
  });
});
