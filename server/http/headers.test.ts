// Response headers the app adds: Cache-Control no-store on everything but static files, and a
// Content-Security-Policy whose nonce the page's inline scripts get (through the load context).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import express from "express";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createHttpApp, type HttpAppOptions } from "./app";
import { cspNonceOf } from "./content-security-policy";

let server: Server;
let baseUrl: string;
let clientBuildDir: string;

before(async () => {
  clientBuildDir = mkdtempSync(path.join(os.tmpdir(), "loom-client-"));
  mkdirSync(path.join(clientBuildDir, "assets"));
  writeFileSync(path.join(clientBuildDir, "assets", "entry-abc123.js"), "export {};\n");
  // Stray files where the API and the health check live: neither is ever looked up on disk.
  mkdirSync(path.join(clientBuildDir, "v1"));
  writeFileSync(path.join(clientBuildDir, "v1", "models"), "a static file\n");
  writeFileSync(path.join(clientBuildDir, "healthz"), "a static file\n");
  const services = {
    config: { maxBodyBytes: 1024 * 1024 },
    database: { driver: "pglite", ping: async () => {} },
    registry: { status: async () => ({}) },
  } as unknown as HttpAppOptions["services"];
  const { app } = createHttpApp({
    services,
    clientBuildDir,
    contentSecurityPolicy: true,
    // Stands in for the OpenAI-compatible router (server/openai/router.ts).
    openAiApi: express.Router().get("/models", (_req, res) => void res.json({ object: "list", data: [] })),
    // Stands in for Remix: copies a route's headers onto the response with append, as Remix does.
    remixHandler: (req, res) => {
      if (req.path === "/api/chat/1/stream") {
        res.append("Cache-Control", "no-cache, no-transform");
        res.type("text/event-stream").send("data: [DONE]\n\n");
      } else if (req.path === "/chat/1/export") {
        res.append("Content-Disposition", 'attachment; filename="chat.md"');
        res.type("text/markdown").send("# Chat\n");
      } else {
        res.type("html").send(`<script nonce="${cspNonceOf(res)}">hydrate()</script>`);
      }
    },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(clientBuildDir, { recursive: true, force: true });
});

test("pages, API answers, exports and the health check are never stored", async () => {
  for (const page of ["/", "/chat/1", "/api/chats", "/chat/1/export", "/healthz", "/no-such-page"]) {
    const response = await fetch(`${baseUrl}${page}`);
    assert.equal(response.headers.get("cache-control"), "no-store", page);
  }
});

test("/v1 and /healthz answer ahead of the static files, never stored", async () => {
  const api = await fetch(`${baseUrl}/v1/models`);
  assert.equal(api.status, 200);
  assert.deepEqual(await api.json(), { object: "list", data: [] });
  assert.equal(api.headers.get("cache-control"), "no-store");
  const health = await fetch(`${baseUrl}/healthz`);
  assert.equal(health.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(health.headers.get("cache-control"), "no-store");
});

test("an event stream keeps its no-transform, with no-store instead of no-cache", async () => {
  const response = await fetch(`${baseUrl}/api/chat/1/stream`);
  assert.equal(response.headers.get("cache-control"), "no-store, no-transform");
});

test("fingerprinted static files stay cacheable", async () => {
  const response = await fetch(`${baseUrl}/assets/entry-abc123.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("cache-control") ?? "", /max-age=31536000, immutable/);
  assert.doesNotMatch(response.headers.get("cache-control") ?? "", /no-store/);
});

test("pages get a Content-Security-Policy whose fresh nonce is the one their inline scripts carry", async () => {
  const nonces = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${baseUrl}/chat/1`);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.equal(await response.text(), `<script nonce="${nonce}">hydrate()</script>`);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
    nonces.push(nonce);
  }
  assert.notEqual(nonces[0], nonces[1], "one nonce per response");
});
