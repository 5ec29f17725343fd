// Test helper: a real Loom server on loopback (its services and HTTP app, the /v1 router, the
// local admin channel for the CLIs) on a fresh data folder; the Remix pages are left out.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../config";
import { createHttpApp } from "../http/app";
import { applyServerTimeouts } from "../http/server-timeouts";
import { startLocalAdminChannel } from "../local-admin/channel";
import { runAdminRequest } from "../local-admin/commands";
import { createServices, type AppServices } from "../services";
import { createOpenAiRouter } from "./router";

export interface TestServer {
  services: AppServices;
  /** http://127.0.0.1:PORT/v1 */
  v1: string;
  dataDir: string;
  /** A CLI script run as a user would, on this server's data folder (through its channel). */
  cli(
    script: string,
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Drops every connection at once, as a crash would, then stops (the test process lives on). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-srv-"));
  const config = loadConfig({
    LOOM_DATA_DIR: dataDir,
    LOOM_MODELS_DIR: path.resolve("models"),
    LOOM_DEVICE: "cpu",
    LOOM_REQUESTS_PER_MINUTE: "1000",
    ...env,
  });
  const services = await createServices(config);
  const { app } = createHttpApp({
    services,
    remixHandler: (_req, res) => void res.status(404).end(),
    openAiApi: createOpenAiRouter({
      services,
      maxBodyBytes: config.maxBodyBytes,
      streamIntervalMs: config.apiStreamIntervalMs,
    }),
  });
  const server = createServer(app);
  applyServerTimeouts(server, config);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const channel = await startLocalAdminChannel({
    dataDir,
    run: (request) => runAdminRequest({ ...services, maxUploadBytes: config.maxUploadBytes }, request),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    await channel?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.close();
  }
  return {
    services,
    dataDir,
    v1: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    cli(script, args, extraEnv = {}) {
      const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
        env: { ...process.env, LOOM_DATA_DIR: dataDir, DATABASE_URL: "", ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
    },
    kill: close,
    async stop() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
