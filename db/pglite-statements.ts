// Prepared statements for PGlite, kept by their text, as postgres.js keeps them on PostgreSQL.
// drizzle's PGlite driver hands every statement to `PGlite.query`, which sends it as six protocol
// messages, each its own call into the WASM (parse, describe, bind, describe, execute, sync), and
// so has PostgreSQL parse and plan it anew every time, even for the statements Loom prepares once
// (`.prepare()`). Here the first run of a text parses it under a name and reads its parameter and
// row types; every later run is one call of three messages (bind, execute, sync) on that name, so
// PostgreSQL plans it as its prepared-statement rules say (a generic plan after five runs).
// Results, errors and locking are PGlite's own: the same parsers and serializers, the same
// DatabaseError (with its query and params), the same turn behind transactions and other queries.
// Measured in docs/performance.md (bench:db-statements).
import { parse, protocol, type PGlite, type QueryOptions, type Results } from "@electric-sql/pglite";

const { serialize } = protocol;
type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

interface Prepared {
  name: string;
  paramTypes: number[];
  /** The statement's RowDescription; undefined when it returns no rows (an insert without returning). */
  rowDescription: BackendMessage | undefined;
}

/** How many texts keep a statement in the database; the least recently used is closed beyond it. */
const DEFAULT_CAPACITY = 200;

/**
 * How PostgreSQL says a kept statement no longer fits: its result type changed under it (after a
 * schema change) or it is gone (after a DEALLOCATE or DISCARD). It is dropped and run unprepared.
 */
function isStale(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "26000" || (code === "0A000" && String(message).includes("cached plan"));
}

/** Call before any other wrapper of `client.query` (db/pglite-turns.ts wraps this one). */
export function keepPreparedStatements(client: PGlite, capacity = DEFAULT_CAPACITY): void {
  const unprepared = client.query.bind(client);
  const kept = new Map<string, Prepared>();
  /** Closed in the database before the next statement is parsed (inside the query's turn). */
  let toClose: string[] = [];
  let nextId = 0;

  const run = (message: Uint8Array, options?: QueryOptions) =>
    client.execProtocolStream(message, { syncToFs: false, onNotice: options?.onNotice });

  async function prepare(text: string, options?: QueryOptions): Promise<Prepared> {
    if (toClose.length) {
      const closing = toClose;
      toClose = [];
      await run(concat([...closing.map((name) => serialize.close({ type: "S", name })), serialize.sync()]));
    }
    const name = `loom_s${nextId++}`;
    const described = await run(
      concat([serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]),
      options,
    );
    const prepared = {
      name,
      paramTypes: parse.parseDescribeStatementResults(described),
      rowDescription: described.find((m) => m.name === "rowDescription"),
    };
    kept.set(text, prepared);
    if (kept.size > capacity) {
      const [oldest] = kept.keys();
      toClose.push(kept.get(oldest!)!.name);
      kept.delete(oldest!);
    }
    return prepared;
  }

  async function execute(text: string, params: unknown[], options?: QueryOptions): Promise<Results> {
    let prepared = kept.get(text);
    if (prepared) {
      // Most recently used last: the Map's order is the eviction order.
      kept.delete(text);
      kept.set(text, prepared);
    } else prepared = await prepare(text, options);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = prepared.paramTypes[i]!;
      const serializer = options?.serializers?.[type] ?? client.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await run(
      concat([serialize.bind({ statement: prepared.name, values }), serialize.execute({}), serialize.sync()]),
      options,
    );
    await client.syncToFs();
    const described = prepared.rowDescription ? [prepared.rowDescription, ...messages] : messages;
    return parse.parseResults(described, client.parsers, options)[0]!;
  }

  client.query = (async <T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> => {
    // A blob to copy or explicit parameter types: PGlite's own path, which handles both.
    if (options?.blob || options?.paramTypes) return unprepared<T>(text, params, options);
    try {
      // As PGlite's query: ready first, then the turn (so a transaction asked for earlier goes first).
      await client._checkReady();
      return (await client._runExclusiveTransaction(() =>
        client._runExclusiveQuery(() => execute(text, params, options)),
      )) as Results<T>;
    } catch (error) {
      const stale = isStale(error) ? kept.get(text) : undefined;
      if (stale) {
        kept.delete(text);
        toClose.push(stale.name);
        return unprepared<T>(text, params, options);
      }
      // As PGlite's own query reports a failed statement: which statement, with what.
      if (error instanceof Error && "code" in error)
        Object.assign(error, { query: text, params, queryOptions: options });
      throw error;
    }
  }) as PGlite["query"];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
