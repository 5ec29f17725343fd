// The guards in front of every route, on a real Express app over a real socket (raw HTTP, so a
// test can send the headers a browser would not: no Content-Length, a bad one, a foreign Origin).
import assert from "node:assert/strict";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import express, { type Request, type Response } from "express";
import { bodySizeLimit, sameOriginMutations, securityHeaders } from "./guards";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe("HTTP guards", () => {
  let server: Server;
  let port: number;

  before(async () => {
    const app = express();
    app.use(securityHeaders, sameOriginMutations, bodySizeLimit(1024));
    app.all("*", (_req, res) => res.send("ok"));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  /** One request; `body` as chunks is sent chunked (no Content-Length). */
  function send(method: string, path: string, headers: Record<string, string> = {}, body?: string | string[]) {
    return new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      for (const chunk of Array.isArray(body) ? body : body === undefined ? [] : [body]) req.write(chunk);
      req.end();
    });
  }
  const host = () => `127.0.0.1:${port}`;

  test("security headers on every answer", async () => {
    const reply = await send("GET", "/");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["x-content-type-options"], "nosniff");
    assert.equal(reply.headers["x-frame-options"], "DENY");
    assert.equal(reply.headers["referrer-policy"], "same-origin");
    assert.equal(reply.headers["cross-origin-opener-policy"], "same-origin");
  });

  describe("same-origin mutations", () => {
    test("a POST from this origin, or one that names none, passes", async () => {
      assert.equal((await send("POST", "/x", { Origin: `http://${host()}`, "Content-Length": "0" })).status, 200);
      assert.equal((await send("POST", "/x", { Referer: `http://${host()}/page`, "Content-Length": "0" })).status, 200);
      assert.equal((await send("POST", "/x", { "Content-Length": "0" })).status, 200);
    });

    test("a POST from another origin, or from an unreadable one, is refused: JSON for the API, text otherwise", async () => {
      const api = await send("POST", "/api/chat", { Origin: "https://evil.example", "Content-Length": "0" });
      assert.equal(api.status, 403);
      assert.deepEqual(JSON.parse(api.body), { error: "Cross-origin request refused." });
      const page = await send("DELETE", "/chat/1", { Origin: "not a url", Accept: "text/html" });
      assert.equal(page.status, 403);
      assert.match(String(page.headers["content-type"]), /^text\/plain/);
      assert.equal(page.body, "Cross-origin request refused.");
    });

    test("safe methods are never refused", async () => {
      assert.equal((await send("GET", "/x", { Origin: "https://evil.example" })).status, 200);
    });
  });

  describe("body size limit", () => {
    test("a body within the limit passes; one over it is 413 with the limit in KiB", async () => {
      assert.equal((await send("POST", "/x", { "Content-Length": "1024" }, "x".repeat(1024))).status, 200);
      const reply = await send("POST", "/api/x", { "Content-Length": "1025" }, "x".repeat(1025));
      assert.equal(reply.status, 413);
      assert.deepEqual(JSON.parse(reply.body), { error: "Request body too large: the limit is 1 KiB." });
    });

    test("a chunked body (no Content-Length) is 411", async () => {
      const chunked = await send("POST", "/api/x", { "Transfer-Encoding": "chunked" }, ["a", "b"]);
      assert.equal(chunked.status, 411);
      assert.deepEqual(JSON.parse(chunked.body), { error: "A Content-Length header is required." });
    });

    test("a malformed Content-Length is 400", () => {
      // Node's HTTP parser refuses most of these before any middleware runs: call the guard directly.
      const headers: Record<string, string> = { "content-length": "1e3" };
      const req = {
        method: "POST",
        path: "/api/x",
        get: (name: string) => headers[name.toLowerCase()],
        accepts: () => false,
      };
      const sent: { status?: number; body?: unknown } = {};
      const res = {
        status(status: number) {
          sent.status = status;
          return this;
        },
        json(body: unknown) {
          sent.body = body;
          return this;
        },
      };
      bodySizeLimit(1024)(req as unknown as Request, res as unknown as Response, () => assert.fail("it passed"));
      assert.deepEqual(sent, { status: 400, body: { error: "Invalid Content-Length header." } });
    });

    test("GET is not limited", async () => {
      assert.equal((await send("GET", "/x")).status, 200);
    });
  });
});
