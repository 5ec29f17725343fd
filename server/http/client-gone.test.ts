// The disconnect signal over a real socket: a client that leaves mid-answer aborts it, after
// forced garbage collection too; a complete answer never does.
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { clientGoneSignal } from "./client-gone";

// A full collection on demand without --expose-gc (the unit suite runs without it).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("clientGoneSignal", () => {
  let server: Server;
  let port: number;
  /** Each request's signal and response, by path. */
  const seen = new Map<string, { signal: AbortSignal; res: ServerResponse }>();

  before(async () => {
    server = createServer((req, res) => {
      seen.set(req.url!, { signal: clientGoneSignal(res), res });
      if (req.url === "/complete") res.end("done");
      else res.write("first part"); // an answer that goes on until the client leaves
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  /** Sends a GET; resolves with the client request once the first byte of the answer came. */
  function open(path: string) {
    return new Promise<ReturnType<typeof httpRequest>>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        res.once("data", () => resolve(req));
        res.resume();
      });
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
  }
  const aborted = (signal: AbortSignal) =>
    signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", resolve));
  const closed = (res: ServerResponse) =>
    res.closed ? Promise.resolve() : new Promise((resolve) => res.once("close", resolve));

  test("a client that leaves mid-answer aborts the signal", async () => {
    const req = await open("/leave");
    const { signal } = seen.get("/leave")!;
    assert.equal(signal.aborted, false);
    req.destroy();
    await aborted(signal);
  });

  test("a complete answer never aborts it, even when the connection closes after", async () => {
    const req = await open("/complete");
    const { res, signal } = seen.get("/complete")!;
    await closed(res);
    req.destroy();
    assert.equal(signal.aborted, false);
  });

  test("the abort still arrives after garbage collection", async () => {
    const req = await open("/gc");
    // Only the signal is kept, as a route keeps it; the response is reachable through its socket.
    const { signal } = seen.get("/gc")!;
    seen.delete("/gc");
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    req.destroy();
    await aborted(signal);
  });

  test("a response that already closed unfinished gives an aborted signal", async () => {
    const req = await open("/late");
    const { res } = seen.get("/late")!;
    req.destroy();
    await closed(res);
    assert.equal(clientGoneSignal(res).aborted, true);
  });
});
