// Test helper, a simulation: a Db whose queries fail while it is "down", as postgres.js's do
// while PostgreSQL restarts (CONNECTION_CLOSED), or never answer while it is "hung" (a network
// that drops packets), for PGlite, which cannot be restarted under a running process. A query
// built meanwhile fails (or hangs) when awaited, like a real one; queries already running finish.
// Not used by the server.
import type { Db } from "../../db/client";

const QUERY_METHODS = new Set<PropertyKey>(["select", "insert", "update", "delete", "execute", "transaction"]);

export function flakyDb(db: Db) {
  let mode: "up" | "down" | "hung" = "up";
  let failures = 0;
  const outage = () => {
    failures++;
    return Object.assign(new Error("write CONNECTION_CLOSED (simulated database outage)"), {
      code: "CONNECTION_CLOSED",
    });
  };
  // Stands for any query builder: every call returns it again, and awaiting it fails (or hangs).
  const failingQuery: unknown = new Proxy(function query() {}, {
    get: (_target, key) =>
      key === "then"
        ? (_resolve: unknown, reject: (error: Error) => void) => mode === "down" && reject(outage())
        : () => failingQuery,
    apply: () => failingQuery,
  });
  const proxy = new Proxy(db, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (!QUERY_METHODS.has(key) || typeof value !== "function") return value;
      return (...args: unknown[]) =>
        mode !== "up" ? failingQuery : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return {
    db: proxy,
    /** Every query from now on fails, until `up()`. */
    down: () => void (mode = "down"),
    /** Every query from now on never answers, until `up()`. */
    hang: () => void (mode = "hung"),
    up: () => void (mode = "up"),
    /** How many queries failed so far. */
    get failures() {
      return failures;
    },
  };
}
