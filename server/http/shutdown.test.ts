// Graceful shutdown against a real HTTP server: done at once when idle, waits for what runs,
// closes kept-alive connections, and at the end of the grace period cuts the streams left so
// that they end with their last event instead of a dropped connection.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, test } from "node:test";
import express from "express";
import { createInFlightTracker } from "./in-flight";
import { lastWordMs, shutDown, type ShutdownTarget } from "./shutdown";

const quiet = { info() {}, warn() {} };

interface Fixture {
  server: Server;
  port: number;
  /** Resolves once this many requests are in flight. */
  inFlight(count: number): Promise<void>;
  /** Releases the held requests to one path (/hold, /stream, /late), or all of them. */
  release(path?: string): void;
  /** What the services were asked to do, in order. */
  calls: string[];
  shutdown(graceMs: number, options?: { generationsRunFor?: number }): Promise<void>;
}

let current: Fixture | undefined;
afterEach(() => {
  current?.release();
  current?.server.closeAllConnections();
  current?.server.close();
  current = undefined;
});

async function start(): Promise<Fixture> {
  const inFlight = createInFlightTracker();
  const held = new Map<() => void, string>();
  const onCut = new Set<() => void>();
  const hold = (path: string) => new Promise<void>((resolve) => held.set(resolve, path));
  const app = express();
  app.use(inFlight.middleware);
  app.get("/ok", (_req, res) => res.send("ok"));
  app.get("/hold", async (_req, res) => {
    await hold("/hold");
    res.send("held");
  });
  // Headers and a first event at once, the rest on release; a cut ends it with a last event.
  app.get("/stream", async (req, res) => {
    res.write("data: first\n\n");
    const cut = () => res.end("data: cut\n\n");
    if (req.query.listens !== "no") onCut.add(cut);
    await hold("/stream");
    onCut.delete(cut);
    if (!res.writableEnded) res.end("data: last\n\n");
  });
  app.get("/late", async (_req, res) => {
    await hold("/late");
    res.send("late");
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const calls: string[] = [];
  const fixture: Fixture = {
    server,
    port: (server.address() as AddressInfo).port,
    calls,
    async inFlight(count) {
      for (let i = 0; i < 300 && inFlight.active !== count; i++) await sleep(10);
      assert.equal(inFlight.active, count);
    },
    release: (path) => {
      for (const [resolve, heldPath] of held) {
        if (path !== undefined && heldPath !== path) continue;
        resolve();
        held.delete(resolve);
      }
    },
    shutdown: (graceMs, options = {}) => {
      const services: ShutdownTarget["services"] = {
        generations: {
          async idle(ms) {
            const runFor = options.generationsRunFor ?? 0;
            await sleep(Math.min(ms, runFor));
            return runFor <= ms;
          },
        },
        async cutStreams() {
          calls.push("cut");
          for (const cut of onCut) cut();
        },
        async close() {
          calls.push("close");
        },
      };
      return shutDown({ server, inFlight, services, graceMs, logger: quiet }, "SIGTERM");
    },
  };
  current = fixture;
  return fixture;
}

/** A raw keep-alive connection, to see exactly what the server sends and when it hangs up. */
function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  return {
    get(path: string) {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: loom\r\nConnection: keep-alive\r\n\r\n`);
    },
    /** Waits until what was received (from `from` on) matches. */
    async until(pattern: RegExp, from = 0) {
      for (let i = 0; i < 300; i++) {
        if (pattern.test(received.slice(from))) return received;
        await sleep(10);
      }
      throw new Error(`never received ${pattern}; got ${JSON.stringify(received)}`);
    },
    get received() {
      return received;
    },
    get isClosed() {
      return isClosed;
    },
    closed,
  };
}

async function elapsed(run: () => Promise<unknown>) {
  const started = Date.now();
  await run();
  return Date.now() - started;
}

test("an idle server is done at once, whatever the grace period", async () => {
  const f = await start();
  for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${f.port}/ok`)).text();
  assert.ok((await elapsed(() => f.shutdown(10_000))) < 200);
  assert.deepEqual(f.calls, ["close"], "nothing to cut");
});

test("a request in flight is waited for, and shutdown is done as soon as it ends", async () => {
  const f = await start();
  const c = connect(f.port);
  c.get("/hold");
  await f.inFlight(1);
  setTimeout(() => f.release(), 200);
  const ms = await elapsed(() => f.shutdown(10_000));
  assert.ok(ms >= 150 && ms < 2_000, `took ${ms} ms`);
  await c.until(/held$/);
  assert.deepEqual(f.calls, ["close"]);
});

test("idle keep-alive connections are closed when the shutdown begins", async () => {
  const f = await start();
  const c = connect(f.port);
  c.get("/ok");
  await c.until(/ok$/);
  const shutdown = f.shutdown(10_000);
  await Promise.race([c.closed, sleep(500)]);
  assert.equal(c.isClosed, true, "the idle connection is closed");
  await shutdown;
});

test("during the drain, responses close their connection: one begun before it, and a request that came after", async () => {
  const f = await start();
  const streaming = connect(f.port);
  streaming.get("/stream"); // its headers go out before the drain
  await streaming.until(/data: first/);
  const late = connect(f.port);
  late.get("/late"); // its headers go out during the drain
  const holder = connect(f.port);
  holder.get("/hold"); // keeps the drain going
  await f.inFlight(3);
  const shutdown = f.shutdown(10_000);

  // The stream ends; its client sends the next request on the same kept-alive connection.
  f.release("/stream");
  await streaming.until(/0\r\n\r\n$/);
  const from = streaming.received.length;
  streaming.get("/ok");
  await streaming.until(/ok$/, from);
  assert.match(streaming.received.slice(from), /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n/i);
  await Promise.race([streaming.closed, sleep(500)]);
  assert.equal(streaming.isClosed, true, "closed after that response");

  f.release("/late");
  await late.until(/late$/);
  assert.match(late.received, /connection: close\r\n/i);
  f.release("/hold");
  await holder.until(/held$/);
  await shutdown;
});

test("at the end of the grace period, streams are cut with a last event and the rest of it to send it", async () => {
  const f = await start();
  const c = connect(f.port);
  c.get("/stream");
  await c.until(/data: first/);
  const graceMs = 500;
  const ms = await elapsed(() => f.shutdown(graceMs));
  // Cut when the last word begins, then done as soon as the stream has ended (not closed at the end).
  assert.ok(ms >= graceMs - lastWordMs(graceMs) - 20 && ms < 1_500, `took ${ms} ms`);
  await c.until(/data: cut\n\n\r\n0\r\n\r\n$/);
  assert.deepEqual(f.calls, ["cut", "close"]);
});

test("a stream that does not end when cut is closed once the grace period is over", async () => {
  const f = await start();
  const c = connect(f.port);
  c.get("/stream?listens=no");
  await c.until(/data: first/);
  const ms = await elapsed(() => f.shutdown(500));
  assert.ok(ms >= 480 && ms < 2_000, `took ${ms} ms`);
  await Promise.race([c.closed, sleep(500)]);
  assert.equal(c.isClosed, true);
  assert.doesNotMatch(c.received, /data: last/);
});

test("chat generations running with nobody reading are waited for, and cut when they outlast the grace period", async () => {
  const f = await start();
  const shortOne = await elapsed(() => f.shutdown(10_000, { generationsRunFor: 200 }));
  assert.ok(shortOne >= 180 && shortOne < 2_000, `took ${shortOne} ms`);
  assert.deepEqual(f.calls, ["close"]);
  f.calls.length = 0;
  await f.shutdown(300, { generationsRunFor: 60_000 });
  assert.deepEqual(f.calls, ["cut", "close"]);
});
