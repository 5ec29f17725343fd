// One write for the event batches of every running generation (group commit). Each generation's
// writer (event-writer.ts) hands its batch over and awaits the answer for its own generation; the
// batches that arrive within a short window, or while the previous write runs, go to the
// database as one statement: a multi-row insert and the moves of each generation's last_seq and
// heartbeat. Per-writer flushes cost an insert and an update per generation every 100 ms, about
// 1,000 statements a second for 50 streams, and PGlite runs each on the main thread (decision 015).
// The writers keep their own rules (bounded buffer, retry with backoff, giving up): a write that
// fails fails for each generation in it, and a batch with one bad generation (its chat deleted)
// is retried one generation at a time, so the error lands on the generation it belongs to.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents } from "../../db/schema";

export type EventRow = typeof generationEvents.$inferInsert & { seq: number };

interface Waiting {
  rows: EventRow[];
  resolve: (running: boolean) => void;
  reject: (error: unknown) => void;
}

/** Rows per statement: 4 bind parameters each, far below PostgreSQL's 65,535. */
const MAX_ROWS_PER_STATEMENT = 2_000;

export function createEventBatcher(db: Db, options: { windowMs: number }) {
  let waiting = new Map<string, Waiting[]>();
  let timer: NodeJS.Timeout | undefined;
  let writing = false;

  /**
   * Stores one generation's batch (its events in order, ending with its highest seq) with the
   * others waiting. True when the generation is still running, false when it was ended elsewhere
   * (its rows are stored all the same, as before); rejects with the database's error.
   */
  function store(generationId: string, rows: EventRow[]): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const own = waiting.get(generationId);
      const entry = { rows, resolve, reject };
      if (own) own.push(entry);
      else waiting.set(generationId, [entry]);
      if (!writing) timer ??= setTimeout(writeWaiting, options.windowMs);
    });
  }

  function writeWaiting() {
    clearTimeout(timer);
    timer = undefined;
    if (writing || waiting.size === 0) return;
    const current = waiting;
    waiting = new Map();
    writing = true;
    void write(current).finally(() => {
      writing = false;
      // What arrived meanwhile goes at once: it has waited for a whole write already.
      if (waiting.size > 0) writeWaiting();
    });
  }

  async function write(batches: Map<string, Waiting[]>) {
    try {
      settle(batches, await storeAll(batches));
    } catch (error) {
      if (batches.size === 1) return fail(batches, error);
      // One generation's bad row must not fail the others: each alone.
      for (const [generationId, entries] of batches) {
        const one = new Map([[generationId, entries]]);
        try {
          settle(one, await storeAll(one));
        } catch (own) {
          fail(one, own);
        }
      }
    }
  }

  function settle(batches: Map<string, Waiting[]>, running: Set<string>) {
    for (const [generationId, entries] of batches)
      for (const entry of entries) entry.resolve(running.has(generationId));
  }

  function fail(batches: Map<string, Waiting[]>, error: unknown) {
    for (const entries of batches.values()) for (const entry of entries) entry.reject(error);
  }

  /** Writes the batches; returns the generations still running (their last_seq moved). */
  async function storeAll(batches: Map<string, Waiting[]>): Promise<Set<string>> {
    const rows = [...batches.values()].flatMap((entries) => entries.flatMap((e) => e.rows));
    const lastSeqs = [...batches].map(([id, entries]) => ({
      id,
      seq: Math.max(...entries.flatMap((e) => e.rows.map((r) => r.seq))),
    }));
    if (rows.length <= MAX_ROWS_PER_STATEMENT) return storeChunk(db, rows, lastSeqs);
    // More than one statement: all or nothing still.
    return db.transaction(async (tx) => {
      for (let i = 0; i + MAX_ROWS_PER_STATEMENT < rows.length; i += MAX_ROWS_PER_STATEMENT)
        await storeChunk(tx, rows.slice(i, i + MAX_ROWS_PER_STATEMENT), []);
      const rest = rows.length % MAX_ROWS_PER_STATEMENT || MAX_ROWS_PER_STATEMENT;
      return storeChunk(tx, rows.slice(rows.length - rest), lastSeqs);
    });
  }

  /**
   * One statement: the insert runs as a data-modifying CTE, the update moves last_seq to the
   * batch's own highest seq (not the inserted rows': a retried batch may have been stored by the
   * attempt whose answer was lost, and its conflicting rows are that earlier success).
   */
  async function storeChunk(
    on: Pick<Db, "insert" | "execute">,
    rows: EventRow[],
    lastSeqs: { id: string; seq: number }[],
  ) {
    // A retried batch may have been stored already: the same (generation, seq) is the same event.
    const insert = on.insert(generationEvents).values(rows).onConflictDoNothing();
    if (lastSeqs.length === 0) {
      await insert;
      return new Set<string>();
    }
    const moves = sql.join(
      lastSeqs.map((m) => sql`(${m.id}::uuid, ${m.seq}::integer)`),
      sql`, `,
    );
    // Drizzle puts the embedded insert in parentheses itself.
    const result = await on.execute(sql`
      with inserted as ${insert}
      update "generations" set "last_seq" = m.seq, "heartbeat_at" = ${new Date().toISOString()}::timestamptz
      from (values ${moves}) as m(id, seq)
      where "generations"."id" = m.id and "generations"."status" = 'running'
      returning "generations"."id" as id`);
    return new Set(rowsOf(result).map((r) => r.id));
  }

  return { store };
}

export type EventBatcher = ReturnType<typeof createEventBatcher>;

/** postgres.js returns the rows as an array, PGlite as `{ rows }`. */
function rowsOf(result: unknown): { id: string }[] {
  if (Array.isArray(result)) return result as { id: string }[];
  return ((result as { rows?: { id: string }[] }).rows ?? []) as { id: string }[];
}
