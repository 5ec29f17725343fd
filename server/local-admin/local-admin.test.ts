// The CLIs next to a running server on the embedded database: their requests go through the
// server (this test process plays it), and without it they refuse, say what to do and change nothing.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { openDatabase, type Database } from "../../db/client";
import { createApiKeys } from "../auth/api-keys";
import { createAuthService, type AuthService } from "../auth/auth-service";
import type { Logger } from "../logger";
import { createRegistry, type Registry } from "../registry/registry";
import { createUploadStaging } from "../uploads/staging";
import { startLocalAdminChannel, type LocalAdminChannel } from "./channel";
import { runAdminRequest } from "./commands";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("admin CLIs while the server holds the embedded database", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-cli-"));
  const modelsDir = path.join(dataDir, "models");
  let database: Database;
  let auth: AuthService;
  let registry: Registry;
  let channel: LocalAdminChannel | undefined;

  /** One CLI run as a user would start it, on this data folder, on the embedded database. */
  function cli(script: string, args: string[]) {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      env: { ...process.env, LOOM_DATA_DIR: dataDir, LOOM_MODELS_DIR: modelsDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
  }

  before(async () => {
    mkdirSync(modelsDir);
    database = await openDatabase({ pgliteDir: path.join(dataDir, "pglite") });
    auth = createAuthService(database.db);
    registry = createRegistry({
      db: database.db,
      modelsDir,
      logger: quiet,
      loadOptions: { session: { device: "cpu" } },
    });
    const deps = {
      auth,
      apiKeys: createApiKeys(database.db),
      registry,
      uploads: createUploadStaging({ dataDir, maxUploadBytes: 1e6 }),
      maxUploadBytes: 1e6,
    };
    channel = await startLocalAdminChannel({ dataDir, run: (r) => runAdminRequest(deps, r), logger: quiet });
  });
  after(async () => {
    await channel?.close();
    await registry.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("admin:create goes through the running server, and that server signs the admin in", async () => {
    const run = await cli("scripts/create-admin.ts", ["--email", "admin@example.com", "--password", "a-long-password"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Administrator ready: admin@example.com/);
    const admin = await auth.signIn({ email: "admin@example.com", password: "a-long-password", clientAddress: "t" });
    assert.equal(admin.role, "admin");
  });

  test("models goes through it too, errors included", async () => {
    const list = await cli("scripts/models.ts", ["list"]);
    assert.equal(list.code, 0, list.stderr);
    const remove = await cli("scripts/models.ts", ["remove", "no-such-model"]);
    assert.equal(remove.code, 1);
    assert.match(remove.stderr, /no-such-model/);
  });

  test("with no server to reach, the CLI refuses, says what to do, and changes nothing", async () => {
    await channel?.close();
    channel = undefined;
    const run = await cli("scripts/create-admin.ts", ["--email", "other@example.com", "--password", "a-long-password"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`in use by process ${process.pid} `));
    assert.match(run.stderr, /LOOM_ADMIN_EMAIL and LOOM_ADMIN_PASSWORD and restart it/);
    const models = await cli("scripts/models.ts", ["list"]);
    assert.equal(models.code, 1);
    assert.match(models.stderr, /Stop it first/);
    assert.equal((await auth.listUsers()).length, 1, "only the administrator made through the server");
  });
});
