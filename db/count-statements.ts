// For tests that bound how many statements a piece of work costs.
import type { PGlite } from "@electric-sql/pglite";
import type { Sql } from "postgres";
import type { Db } from "./client";

/**
 * Counts the statements the database runs from now on (a transaction counts once), at the
 * driver's own entry points — PGlite's `query`/`transaction`, postgres.js's `unsafe`/`begin`
 * (what drizzle calls) — so it counts on both databases, however the query was built.
 */
export function countStatements(db: Db) {
  const client = (db as Db & { $client: PGlite | Sql }).$client as unknown as Record<string, unknown>;
  const entryPoints = "transaction" in client && "query" in client ? ["query", "transaction"] : ["unsafe", "begin"];
  const originals = Object.fromEntries(entryPoints.map((name) => [name, client[name]]));
  const counter = { statements: 0, restore: () => Object.assign(client, originals) };
  for (const name of entryPoints) {
    const original = originals[name] as (...args: unknown[]) => unknown;
    client[name] = (...args: unknown[]) => {
      counter.statements++;
      return original.apply(client, args);
    };
  }
  return counter;
}
