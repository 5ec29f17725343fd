// The HTTP server's own timeouts, set once for the real server and the test servers alike.
import type { Server } from "node:http";

export function applyServerTimeouts(server: Server, { keepAliveTimeoutMs }: { keepAliveTimeoutMs: number }): void {
  // Request headers must come promptly. Bodies have deadlines by route (body-timeout.ts): Node's
  // requestTimeout covers a whole request, uploads of many GB included, and cannot tell routes
  // apart, so it stays off. Neither limits how long a response may stream.
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  // An idle connection stays open longer than a balancer's (LOOM_KEEP_ALIVE_TIMEOUT_MS, config.ts);
  // Node announces it as `Keep-Alive: timeout=…`, which remote clients (undici) follow.
  server.keepAliveTimeout = keepAliveTimeoutMs;
}
