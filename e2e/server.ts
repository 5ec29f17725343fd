// Starts the production build of Loom on a free port (port 0; the OS picks, the "listening" log
// line says which) with its own throwaway data folder, and stops it again.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { E2E_ADMIN } from "./accounts";

export interface RunningServer {
  baseUrl: string;
  /** Its LOOM_DATA_DIR: the CLI (npm run models, api-key) reaches the server through it. */
  dataDir: string;
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL): a server or engine that dies. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Node flags and preloads (after tsx's), e.g. ["--expose-gc", "--import", "./e2e/force-gc.ts"]. */
  nodeArgs?: string[];
}

export async function startServer(
  env: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-e2e-"));
  // Node itself, not the tsx CLI: the CLI runs the server in a child process of its own, so a
  // SIGKILL (kill() below) ended the CLI and left the server answering for a while.
  const args = ["--import", "tsx", ...(options.nodeArgs ?? []), "server/index.ts"];
  const server = spawn(process.execPath, args, {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      LOOM_DATA_DIR: dataDir,
      LOOM_ADMIN_EMAIL: E2E_ADMIN.email,
      LOOM_ADMIN_PASSWORD: E2E_ADMIN.password,
      LOOM_SHUTDOWN_GRACE_MS: "2000",
      // Generous burst limit: the suite sends many requests from few users.
      LOOM_REQUESTS_PER_MINUTE: "1000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"msg":"listening","url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl,
    dataDir,
    async kill() {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
    async stop() {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      // A server stuck in its shutdown (a failing test's streams still running) is not left behind.
      const kill = setTimeout(() => server.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(kill);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
