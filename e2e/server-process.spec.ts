// The server as a process, started from the production build as `npm run serve` starts it, with
// its own data folder: SIGTERM after some requests exits at once (nothing is in flight, so there
// is nothing to wait for), a kept-alive connection included.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

test("SIGTERM on an idle server exits in under a second, after requests and with a kept-alive connection", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-e2e-sigterm-"));
  const server = spawn(path.resolve("node_modules/.bin/tsx"), ["server/index.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      LOOM_DATA_DIR: dataDir,
      // Long, so that waiting for it (the count of requests in flight never reaching 0) shows.
      LOOM_SHUTDOWN_GRACE_MS: "10000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
  try {
    let output = "";
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"msg":"listening","url":"([^"]+)"/.exec(output);
        if (match) resolve(match[1]!);
      };
      server.stdout.on("data", onData);
      server.stderr.on("data", onData);
      void exited.then((code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });

    const agent = new http.Agent({ keepAlive: true });
    const get = (page: string) =>
      new Promise<void>((resolve, reject) => {
        http.get(`${baseUrl}${page}`, { agent }, (res) => res.resume().on("end", resolve)).on("error", reject);
      });
    for (const page of ["/healthz", "/login", "/", "/no-such-page"]) await get(page);
    expect(Object.keys(agent.freeSockets), "a connection is kept alive").not.toHaveLength(0);

    const started = Date.now();
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
  } finally {
    server.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
