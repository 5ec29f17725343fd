// The durable side of a chat generation: an append-only event log in the database, written in
// small batches with sequence numbers, plus a heartbeat. Readers (any tab, any instance) catch up
// from the last sequence they saw; live readers in this process are woken without polling.
import { EventEmitter } from "node:events";
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents, generations } from "../../db/schema";
import { createEventBatcher, type Batch } from "./event-batcher";
import { createHeartbeat } from "./heartbeat";

export type GenerationEvent =
  { type: "text"; data: { delta: string } } | { type: "finish"; data: { status: FinalStatus; error?: string } };
export type FinalStatus = "completed" | "stopped" | "failed" | "interrupted";
export interface StoredEvent {
  seq: number;
  type: GenerationEvent["type"];
  data: unknown;
}

export interface GenerationLogOptions {
  /**
   * Events are flushed when this many are waiting (all generations together: server/chat/
   * event-batcher.ts) or after flushIntervalMs, whichever first.
   */
  maxBatch?: number;
  flushIntervalMs?: number;
  heartbeatMs?: number;
}

export function createGenerationLog(db: Db, options: GenerationLogOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const heartbeat = createHeartbeat(db, heartbeatMs);
  const live = new EventEmitter();
  live.setMaxListeners(0);
  const batcher = createEventBatcher(db, {
    maxBatch: options.maxBatch ?? 1_000,
    flushIntervalMs: options.flushIntervalMs ?? 100,
    onWritten: (generationId, rows) =>
      live.emit(
        generationId,
        rows.map((r) => ({ seq: r.seq, type: r.type, data: r.data })),
      ),
  });

  async function start(input: { chatId: string; messageId: string; userId: string; modelId: string }) {
    const [row] = await db.insert(generations).values(input).returning({ id: generations.id });
    return row!.id;
  }

  /**
   * The writer one generation uses; it is the only writer of its log, so sequence numbers are local.
   * The heartbeat also brings back a stop asked for on another instance (`onStopRequested`).
   */
  function writer(generationId: string, options: { onStopRequested?: () => void } = {}) {
    let seq = 0;
    let batch: Batch | undefined; // the latest one holding this writer's events
    let failure: unknown;
    heartbeat.add(generationId, options.onStopRequested);

    /** Resolves once every event appended so far is stored; rejects if any of them could not be. */
    async function flush() {
      if (batch) await batcher.flush(batch);
      if (failure !== undefined) throw failure;
    }

    function append(event: GenerationEvent) {
      const joined = batcher.add({ generationId, seq: ++seq, type: event.type, data: event.data });
      if (joined !== batch) {
        batch = joined;
        void joined.done.then((failures) => {
          if (failures.has(generationId)) failure ??= failures.get(generationId);
        });
      }
    }

    async function finish(status: FinalStatus, error?: string) {
      append({ type: "finish", data: { status, ...(error && { error }) } });
      try {
        await flush();
        await db
          .update(generations)
          .set({ status, error: error ?? null, finishedAt: new Date() })
          .where(eq(generations.id, generationId));
      } finally {
        heartbeat.remove(generationId); // its readers poll again from here on
        live.emit(generationId);
      }
    }

    return { append, flush, finish };
  }

  async function eventsAfter(generationId: string, afterSeq: number): Promise<StoredEvent[]> {
    const rows = await db
      .select({ seq: generationEvents.seq, type: generationEvents.type, data: generationEvents.data })
      .from(generationEvents)
      .where(and(eq(generationEvents.generationId, generationId), gt(generationEvents.seq, afterSeq)))
      .orderBy(asc(generationEvents.seq));
    return rows as StoredEvent[];
  }

  /**
   * Every event after `afterSeq` until the finish event: stored ones first, then live ones. Woken
   * by this process's writer (with the events it stored), or by a poll when the writer runs in
   * another instance.
   */
  async function* follow(generationId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    let last = afterSeq;
    // Events this process's writer has just stored, handed over with the wake-up: no query needed.
    let handed: StoredEvent[] = [];
    while (!signal?.aborted) {
      const fresh = handed.filter((e) => e.seq > last);
      const events = fresh[0]?.seq === last + 1 ? fresh : await eventsAfter(generationId, last);
      handed = [];
      for (const event of events) {
        yield event;
        last = event.seq;
        if (event.type === "finish") return;
      }
      if (events.length === 0 && (await statusOf(generationId)) !== "running") {
        // Finished without a finish event (a crash): nothing more will come.
        return;
      }
      await new Promise<void>((resolve) => {
        const wake = (stored?: unknown) => {
          if (Array.isArray(stored)) handed = stored as StoredEvent[];
          clearTimeout(poll);
          live.off(generationId, wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        // Another instance's writer cannot wake this reader: poll for it. A local one wakes it on
        // every write; the slow poll is only a safety net.
        const poll = setTimeout(wake, heartbeat.has(generationId) ? 5_000 : 500);
        live.on(generationId, wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
  }

  async function statusOf(generationId: string) {
    const [row] = await db
      .select({ status: generations.status })
      .from(generations)
      .where(eq(generations.id, generationId));
    return row?.status;
  }

  /** Asks whichever instance runs a generation to stop it. False when it is not running. */
  async function requestStop(generationId: string) {
    const rows = await db
      .update(generations)
      .set({ stopRequestedAt: new Date() })
      .where(and(eq(generations.id, generationId), eq(generations.status, "running")))
      .returning({ id: generations.id });
    return rows.length > 0;
  }

  async function runningForChat(chatId: string) {
    return db
      .select()
      .from(generations)
      .where(and(eq(generations.chatId, chatId), eq(generations.status, "running")));
  }

  /**
   * Generations whose process died: still "running" with no heartbeat for `staleAfterMs`. Run at
   * start and periodically, so one instance cleans up after another that crashed.
   */
  async function markInterrupted(staleAfterMs = heartbeatMs * 5, exceptIds: string[] = []) {
    const cutoff = new Date(Date.now() - staleAfterMs);
    const stale = await db
      .select({ id: generations.id, lastSeq: generations.lastSeq })
      .from(generations)
      .where(and(eq(generations.status, "running"), lt(generations.heartbeatAt, cutoff)));
    const ids = stale.map((g) => g.id).filter((id) => !exceptIds.includes(id));
    if (ids.length === 0) return [];
    await db.transaction(async (tx) => {
      await tx
        .update(generations)
        .set({
          status: "interrupted",
          error: "The server stopped while this answer was being written.",
          finishedAt: new Date(),
        })
        .where(inArray(generations.id, ids));
      await tx
        .insert(generationEvents)
        .values(
          stale
            .filter((g) => ids.includes(g.id))
            .map((g) => ({ generationId: g.id, seq: g.lastSeq + 1, type: "finish", data: { status: "interrupted" } })),
        );
    });
    return ids;
  }

  return { start, writer, eventsAfter, follow, statusOf, requestStop, runningForChat, markInterrupted };
}

export type GenerationLog = ReturnType<typeof createGenerationLog>;
