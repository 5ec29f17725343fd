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

/**
 * Records every statement the database is sent from now on, as PostgreSQL's
 * `log_statement = all` would list them: a transaction is its `begin`, each statement inside it
 * and its `commit` (or `rollback`). At the same entry points as countStatements, and inside
 * transactions through the client each one hands its callback. `sql` is each statement's text.
 */
export function recordStatements(db: Db) {
  const client = (db as Db & { $client: PGlite | Sql }).$client as unknown as Record<string, unknown>;
  const pglite = "transaction" in client && "query" in client;
  const [single, inTransaction, begin] = pglite ? ["query", "exec", "transaction"] : ["unsafe", "unsafe", "begin"];
  const recording = { sql: [] as string[], restore: () => Object.assign(client, originals) };
  const originals = { [single]: client[single], [begin]: client[begin], ...(pglite && { exec: client.exec }) };
  const record = (target: Record<string, unknown>, names: string[]) => {
    for (const name of names) {
      const original = target[name] as (...args: unknown[]) => unknown;
      target[name] = (...args: unknown[]) => {
        // postgres.js sends a transaction's own begin through `unsafe`: the wrapper below lists it.
        if (!/^\s*begin\s*$/i.test(String(args[0]))) recording.sql.push(String(args[0]));
        return original.apply(target, args);
      };
    }
  };
  record(client, pglite ? [single, "exec"] : [single]);
  const originalBegin = client[begin] as (...args: unknown[]) => Promise<unknown>;
  client[begin] = (...args: unknown[]) => {
    const callback = args.at(-1) as (tx: Record<string, unknown>) => Promise<unknown>;
    const wrapped = async (tx: Record<string, unknown>) => {
      recording.sql.push("begin");
      record(tx, pglite ? ["query", inTransaction] : [inTransaction]);
      try {
        const result = await callback(tx);
        recording.sql.push("commit");
        return result;
      } catch (error) {
        recording.sql.push("rollback");
        throw error;
      }
    };
    return originalBegin.apply(client, [...args.slice(0, -1), wrapped]);
  };
  return recording;
}
