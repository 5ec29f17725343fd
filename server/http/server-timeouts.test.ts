// Idle keep-alive connections outlive a load balancer's idle timeout, and say so to clients.
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { applyServerTimeouts } from "./server-timeouts";

test("an idle connection is kept as long as configured, and the response says for how long", async () => {
  const server = createServer((_req, res) => res.end("ok"));
  applyServerTimeouts(server, { keepAliveTimeoutMs: 65_000 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const req = request({ port, host: "127.0.0.1", headers: { connection: "keep-alive" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.headers));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(headers["keep-alive"], "timeout=65");
    assert.equal(server.keepAliveTimeout, 65_000);
    assert.equal(server.headersTimeout, 30_000);
    assert.equal(server.requestTimeout, 0);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
