// Test harness, run as its own process: one Loom server (createServices from the environment,
// as server/index.ts does, behind the same HTTP app and guards) whose Remix routes for signing in
// and chatting are called directly — the route modules themselves, without a Remix build, which
// the unit suite does not have. Prints "listening PORT" once it serves. Used by the cross-server
// tests (server/chat/cross-server.test.ts): several of these on one PostgreSQL.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ActionFunctionArgs, AppLoadContext } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import * as chatStop from "../../app/routes/api.chat.$id.stop";
import * as chatStream from "../../app/routes/api.chat.$id.stream";
import * as chatSend from "../../app/routes/api.chat._index";
import * as chatsRoute from "../../app/routes/api.chats";
import * as login from "../../app/routes/login";
import { loadConfig } from "../config";
import { logger } from "../logger";
import { createServices } from "../services";
import { createHttpApp } from "./app";
import { clientGoneSignal } from "./client-gone";

type RouteFunction = (args: ActionFunctionArgs) => Promise<unknown>;
interface RouteModule {
  loader?: RouteFunction;
  action?: RouteFunction;
}

const routes: [RegExp, RouteModule][] = [
  [/^\/login$/, login as RouteModule],
  [/^\/api\/chats$/, chatsRoute as RouteModule],
  [/^\/api\/chat$/, chatSend as RouteModule],
  [/^\/api\/chat\/(?<id>[^/]+)\/stream$/, chatStream as RouteModule],
  [/^\/api\/chat\/(?<id>[^/]+)\/stop$/, chatStop as RouteModule],
];

const config = loadConfig();
const services = await createServices(config);

/** Express request → Fetch Request, its abort signal tied to the client leaving (as Remix's adapter). */
async function fetchRequestOf(req: ExpressRequest, signal: AbortSignal): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${req.headers.host}${req.originalUrl}`, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
    signal,
  });
}

/** What a route answered, returned or thrown (a redirect, a `data()` value), as a Fetch Response. */
function responseOf(value: unknown): Response {
  if (value instanceof Response) return value;
  if (value && typeof value === "object" && "type" in value && value.type === "DataWithResponseInit") {
    const { data, init } = value as unknown as { data: unknown; init?: ResponseInit };
    return Response.json(data, init);
  }
  return Response.json(value ?? null);
}

async function remixHandler(req: ExpressRequest, res: ExpressResponse) {
  const path = req.path;
  const match = routes.map(([pattern, module]) => ({ m: pattern.exec(path), module })).find(({ m }) => m);
  const route = match && (req.method === "GET" ? match.module.loader : (match.module.action ?? match.module.loader));
  if (!match || !route) return void res.status(404).end();
  const clientGone = clientGoneSignal(res);
  const request = await fetchRequestOf(req, clientGone);
  const context = { services, clientAddress: req.ip ?? "unknown", clientGone } as unknown as AppLoadContext;
  let answer: Response;
  try {
    answer = responseOf(await route({ request, context, params: { ...match.m!.groups } }));
  } catch (thrown) {
    if (!(thrown instanceof Response) && !(thrown && typeof thrown === "object" && "type" in thrown)) {
      logger.error("route failed", { path, reason: thrown instanceof Error ? thrown.message : String(thrown) });
      return void res.status(500).end();
    }
    answer = responseOf(thrown);
  }
  res.status(answer.status);
  answer.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length) res.setHeader("Set-Cookie", cookies);
  if (!answer.body) return void res.end();
  res.flushHeaders();
  Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream).pipe(res);
}

const { app } = createHttpApp({ services, remixHandler: (req, res) => void remixHandler(req, res) });
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
console.log(`listening ${(server.address() as AddressInfo).port}`);

// SIGTERM: stop as the real server does, its answers saved (the test waits for the exit).
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close();
  void services.close().then(() => process.exit(0));
});
