// The durable side of a chat generation: an append-only event log in the database, written in
// small batches with sequence numbers, plus a heartbeat. Readers (any tab, any instance) catch up
// from the last sequence they saw; live readers in this process are woken without polling.
import { EventEmitter } from "node:events";
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents, generations } from "../../db/schema";

export type GenerationEvent =
  { type: "text"; data: { delta: string } } | { type: "finish"; data: { status: FinalStatus; error?: string } };
export type FinalStatus = "completed" | "stopped" | "failed" | "interrupted";
export interface StoredEvent {
  seq: number;
  type: GenerationEvent["type"];
  data: unknown;
}

export interface GenerationLogOptions {
  /** Events are flushed when this many are waiting or after flushIntervalMs, whichever first. */
  maxBatch?: number;
  flushIntervalMs?: number;
  heartbeatMs?: number;
}

export function createGenerationLog(db: Db, options: GenerationLogOptions = {}) {
  const maxBatch = options.maxBatch ?? 32;
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const live = new EventEmitter();
  live.setMaxListeners(0);

  async function start(input: { chatId: string; messageId: string; userId: string; modelId: string }) {
    const [row] = await db.insert(generations).values(input).returning({ id: generations.id });
    return row!.id;
  }

  /**
   * The writer one generation uses; it is the only writer of its log, so sequence numbers are local.
   * Its heartbeat also brings back a stop asked for on another instance (`onStopRequested`).
   */
  function writer(generationId: string, options: { onStopRequested?: () => void } = {}) {
    let seq = 0;
    let pending: (typeof generationEvents.$inferInsert)[] = [];
    let timer: NodeJS.Timeout | undefined;
    let flushing = Promise.resolve();
    const heartbeat = setInterval(() => {
      db.update(generations)
        .set({ heartbeatAt: new Date() })
        .where(eq(generations.id, generationId))
        .returning({ stopRequestedAt: generations.stopRequestedAt })
        .then(([row]) => {
          if (row?.stopRequestedAt) options.onStopRequested?.();
        })
        // A missed beat only delays: the next one retries, and only a long silence marks it interrupted.
        .catch(() => {});
    }, heartbeatMs);
    heartbeat.unref();

    function flush() {
      clearTimeout(timer);
      timer = undefined;
      const batch = pending;
      pending = [];
      if (batch.length === 0) return flushing;
      flushing = flushing.then(async () => {
        await db.insert(generationEvents).values(batch);
        await db
          .update(generations)
          .set({ lastSeq: batch.at(-1)!.seq, heartbeatAt: new Date() })
          .where(eq(generations.id, generationId));
        live.emit(generationId);
      });
      return flushing;
    }

    function append(event: GenerationEvent) {
      pending.push({ generationId, seq: ++seq, type: event.type, data: event.data });
      if (pending.length >= maxBatch) void flush();
      else timer ??= setTimeout(() => void flush(), flushIntervalMs);
    }

    async function finish(status: FinalStatus, error?: string) {
      append({ type: "finish", data: { status, ...(error && { error }) } });
      clearInterval(heartbeat);
      await flush();
      await db
        .update(generations)
        .set({ status, error: error ?? null, finishedAt: new Date() })
        .where(eq(generations.id, generationId));
      live.emit(generationId);
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
   * by this process's writer, or by a slow poll when the writer runs in another instance.
   */
  async function* follow(generationId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    let last = afterSeq;
    while (!signal?.aborted) {
      const events = await eventsAfter(generationId, last);
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
        const wake = () => {
          clearTimeout(poll);
          live.off(generationId, wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        const poll = setTimeout(wake, 500);
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
