// The real server entry, as a child process: a busy port is one clear line and exit code 1,
// before the database is opened. (Graceful shutdown of the running server is tested by
// e2e/server-process.spec.ts, against the production build.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

test("starting on a busy port says so in one line and exits with 1, before the database is opened", async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  const port = (busy.address() as AddressInfo).port;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "loom-port-"));
  try {
    const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOOM_DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));

    assert.equal(code, 1, output);
    const lines = output.trim().split("\n");
    assert.equal(lines.length, 1, `one line, no stack trace:\n${output}`);
    assert.equal((JSON.parse(lines[0]!) as { msg: string }).msg, `port ${port} is in use: set PORT`);
    assert.equal(existsSync(path.join(dataDir, "pglite")), false, "the embedded database was not opened");
  } finally {
    busy.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
