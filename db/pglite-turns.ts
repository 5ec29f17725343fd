// PGlite runs one statement at a time, and when statements are queued it runs the next as soon
// as the previous resolves, inside the same chain of microtasks: timers and sockets get no turn
// until the whole queue is drained. At the start of a load (70 requests, ~1,400 statements) that
// held the event loop for 4–5 s: /healthz, new connections and streaming tokens all waited
// (docs/performance.md). Here each statement waits for one turn of the event loop before it
// starts, so I/O runs between statements; the queue keeps PGlite's own order and semantics
// (its query, exec and transaction already wait for one another: this only adds the turn).
import { setImmediate as nextTurn } from "node:timers/promises";
import type { PGlite } from "@electric-sql/pglite";

type Entry = "query" | "exec" | "transaction";

/** Call before any statement: PGlite's start-up runs statements of its own through these methods. */
export async function yieldBetweenStatements(client: PGlite): Promise<void> {
  await client.waitReady;
  let tail: Promise<unknown> = Promise.resolve();
  const methods = client as unknown as Record<Entry, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ["query", "exec", "transaction"] as const) {
    const original = methods[name].bind(client);
    methods[name] = (...args: unknown[]) => {
      const run = tail.then(() => nextTurn()).then(() => original(...args));
      // The next statement waits for this one to end, however it ends.
      tail = run.then(
        () => {},
        () => {},
      );
      return run;
    };
  }
}
