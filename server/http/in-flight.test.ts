// The in-flight count is what shutdown waits on: it must come back to zero when requests end,
// whichever other middleware (the request log) also listens to the same responses.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import express from "express";
import { createInFlightTracker } from "./in-flight";
import { requestLog } from "./request-log";

const inFlight = createInFlightTracker();
let baseUrl: string;
let close: () => void;

before(async () => {
  const app = express();
  app.use(inFlight.middleware, requestLog);
  app.get("/ok", (_req, res) => res.send("ok"));
  app.get("/slow", (_req, res) => {
    res.write("partial");
    setTimeout(() => res.end(), 5_000).unref();
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => {
    server.closeAllConnections();
    server.close();
  };
});
after(() => close());

async function settled() {
  for (let i = 0; i < 100 && inFlight.active > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return inFlight.active;
}

test("completed requests leave nothing in flight (the request log removes no one else's listener)", async () => {
  for (let i = 0; i < 5; i++) assert.equal(await (await fetch(`${baseUrl}/ok`)).text(), "ok");
  assert.equal(await settled(), 0);
});

test("a request the client abandons mid-response leaves nothing in flight", async () => {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/slow`, { signal: controller.signal });
  assert.equal(inFlight.active, 1);
  controller.abort();
  await response.text().catch(() => {});
  assert.equal(await settled(), 0);
});

test("drain resolves at once when idle, and at the deadline when a request runs on", async () => {
  const tracker = createInFlightTracker();
  assert.equal(await tracker.drain(1_000), "drained");
  const app = express();
  app.use(tracker.middleware);
  app.get("/hold", () => {});
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const holding = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hold`).catch(() => {});
  for (let i = 0; i < 100 && tracker.active === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await tracker.drain(50), "deadline");
  const drained = tracker.drain(5_000);
  server.closeAllConnections();
  assert.equal(await drained, "drained");
  server.close();
  await holding;
});
