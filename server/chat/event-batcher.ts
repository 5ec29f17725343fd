// The write path of the generation log: the new events of every running generation go to the
// database together, in one statement per batch that inserts them and moves each generation's
// last_seq (atomically: the log and its high-water mark never disagree), however many generations
// run. Per-writer flushes cost an insert and an update per generation every 100 ms — 1,000
// statements a second for 50 streams — and PGlite runs each statement on the main thread, so
// requests, /healthz and the engine's scheduling queued behind them. While a batch is being
// written the next one collects (group commit): a slower database gets fewer, larger batches.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents } from "../../db/schema";

export type EventRow = typeof generationEvents.$inferInsert;

/** One database write. `done` never rejects: it resolves with the failures by generation id. */
export interface Batch {
  readonly done: Promise<ReadonlyMap<string, unknown>>;
}

interface Collecting {
  batch: Batch;
  resolve: (failures: ReadonlyMap<string, unknown>) => void;
  rows: Map<string, EventRow[]>;
  count: number;
}

/** Rows per statement: 4 bind parameters each, far below PostgreSQL's 65,535. */
const MAX_ROWS_PER_STATEMENT = 2_000;

export function createEventBatcher(
  db: Db,
  options: {
    /** A batch starts when this many events wait (all generations together), or after flushIntervalMs. */
    maxBatch: number;
    flushIntervalMs: number;
    /** After a generation's rows are stored: wakes its live readers with them. */
    onWritten: (generationId: string, rows: EventRow[]) => void;
  },
) {
  let collecting: Collecting | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing = false;
  let due = false;

  /** Queues one event; returns the batch that will write it. */
  function add(row: EventRow): Batch {
    if (!collecting) {
      let resolve!: Collecting["resolve"];
      const done = new Promise<ReadonlyMap<string, unknown>>((r) => (resolve = r));
      collecting = { batch: { done }, resolve, rows: new Map(), count: 0 };
    }
    const rows = collecting.rows.get(row.generationId);
    if (rows) rows.push(row);
    else collecting.rows.set(row.generationId, [row]);
    collecting.count++;
    const { batch } = collecting;
    if (collecting.count >= options.maxBatch) start();
    else timer ??= setTimeout(start, options.flushIntervalMs);
    return batch;
  }

  /** Resolves once `batch` is written, starting it now if it is still collecting. */
  function flush(batch: Batch) {
    if (collecting?.batch === batch) start();
    return batch.done;
  }

  function start() {
    clearTimeout(timer);
    timer = undefined;
    if (writing) {
      due = true;
      return;
    }
    const current = collecting;
    collecting = undefined;
    if (!current) return;
    writing = true;
    void write(current.rows)
      // Not a database error (those are per generation): still end the batch, or the log stalls.
      .catch((error: unknown) => new Map([...current.rows.keys()].map((id) => [id, error])))
      .then((failures) => {
        writing = false;
        current.resolve(failures);
        if (due) {
          due = false;
          start();
        }
      });
  }

  async function write(rows: Map<string, EventRow[]>): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    try {
      await insert([...rows.values()].flat());
    } catch (error) {
      // One generation's bad row (its chat deleted meanwhile) must not fail the others: retry each
      // on its own, so the failure lands on the generation it belongs to.
      if (rows.size === 1) failures.set(rows.keys().next().value!, error);
      else
        for (const [generationId, own] of rows) {
          await insert(own).catch((e: unknown) => failures.set(generationId, e));
        }
    }
    for (const [generationId, own] of rows) if (!failures.has(generationId)) options.onWritten(generationId, own);
    return failures;
  }

  async function insert(rows: EventRow[]) {
    if (rows.length <= MAX_ROWS_PER_STATEMENT) return insertChunk(db, rows);
    // More than one statement: all or nothing still, so a retry never meets rows already stored.
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT)
        await insertChunk(tx, rows.slice(i, i + MAX_ROWS_PER_STATEMENT));
    });
  }

  async function insertChunk(on: Pick<Db, "insert" | "execute">, rows: EventRow[]) {
    const inserted = on
      .insert(generationEvents)
      .values(rows)
      .returning({ generationId: generationEvents.generationId, seq: generationEvents.seq });
    // Drizzle puts the embedded insert in parentheses itself.
    await on.execute(sql`
      with inserted as ${inserted}
      update "generations" set "last_seq" = m.seq, "heartbeat_at" = ${new Date().toISOString()}::timestamptz
      from (select generation_id, max(seq) as seq from inserted group by generation_id) as m
      where "generations"."id" = m.generation_id`);
  }

  return { add, flush };
}
