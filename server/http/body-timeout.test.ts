// A slow or stalled request body is cut off (408, connection closed) instead of holding its
// connection for ever; uploads, which may take as long as the network needs, only have to keep moving.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { createHttpApp, type HttpAppOptions } from "./app";

const UPLOAD = "/api/admin/uploads/0123456789abcdef0123456789abcdef/files";
let server: Server;
let port: number;

before(async () => {
  const services = {
    config: { maxBodyBytes: 1024 * 1024 },
    database: { driver: "pglite", ping: async () => {} },
    registry: { status: async () => ({}) },
  } as unknown as HttpAppOptions["services"];
  const { app } = createHttpApp({
    services,
    // Reads the whole body, as Remix does, and says how long it was.
    remixHandler: (req, res) => {
      let length = 0;
      req.on("data", (chunk: Buffer) => (length += chunk.length));
      req.on("end", () => res.json({ length }));
    },
    bodyDeadlines: { ordinary: { idleMs: 300, totalMs: 1_000 }, upload: { idleMs: 300 } },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/**
 * Sends the headers of a `method` request to `path` announcing `length` bytes, then the body in
 * pieces of `piece` bytes every `everyMs`, `pieces` of them (then stops, finished or not). Resolves
 * with what came back once the server has closed the connection or 3 s have passed.
 */
async function send(method: string, path: string, length: number, pieces: number, piece: number, everyMs: number) {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  let closed = false;
  const closing = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void closing.then(() => (closed = true));
  socket.on("error", () => {});
  const started = Date.now();
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: loom\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`,
  );
  for (let i = 0; i < pieces && !closed; i++) {
    socket.write("x".repeat(piece));
    await sleep(everyMs);
  }
  await Promise.race([closing, sleep(3_000)]);
  const ms = Date.now() - started;
  socket.destroy();
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0), received, closed, ms };
}

test("a body that stalls is cut off: 408 and the connection closed", async () => {
  const result = await send("POST", "/api/chat", 100, 1, 10, 0);
  assert.equal(result.status, 408, result.received);
  assert.match(result.received, /did not arrive in time/);
  assert.equal(result.closed, true);
  assert.ok(result.ms < 2_000, `took ${result.ms} ms`);
});

test("an ordinary body that trickles in is cut off at its deadline", async () => {
  // A byte every 50 ms: never idle for 300 ms, but 40 bytes take 2 s, past the 1 s deadline.
  const result = await send("POST", "/api/chat", 40, 40, 1, 50);
  assert.equal(result.status, 408, result.received);
  assert.ok(result.ms < 1_900, `took ${result.ms} ms`);
});

test("an ordinary body that arrives in time is answered", async () => {
  const result = await send("POST", "/api/chat", 40, 4, 10, 50);
  assert.equal(result.status, 200, result.received);
  assert.match(result.received, /\{"length":40\}/);
});

test("an upload may take longer than an ordinary body's deadline while it keeps moving", async () => {
  // 1.6 s in all, a piece every 50 ms: past the ordinary deadline, never idle.
  const result = await send("PUT", UPLOAD, 32 * 1024, 32, 1024, 50);
  assert.equal(result.status, 200, result.received);
  assert.match(result.received, /\{"length":32768\}/);
});

test("an upload that stalls is cut off", async () => {
  const result = await send("PUT", UPLOAD, 1024 * 1024, 2, 1024, 50);
  assert.equal(result.status, 408, result.received);
  assert.equal(result.closed, true);
});
