// The durable side of a chat generation: an append-only event log in the database, written in
// small batches with sequence numbers, plus a heartbeat (event-writer.ts). Readers (any tab, any
// instance) catch up from the last sequence they saw; live readers in this process are woken
// without polling, and still get a generation's end when the database is away.
import { EventEmitter } from "node:events";
import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents, generations } from "../../db/schema";
import type { Logger } from "../logger";
import { createEventBatcher } from "./event-batcher";
import { createEventWriter, type WriterHooks } from "./event-writer";
import { createHeartbeat } from "./heartbeat";
import { recoverStaleGenerations } from "./generation-recovery";
import { DEFAULT_RETRY_POLICY, sleep, type RetryPolicy } from "./write-faults";

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
  /** How writes are retried while the database is away, and for how long. */
  retry?: Partial<RetryPolicy>;
  logger?: Pick<Logger, "warn">;
}

export function createGenerationLog(db: Db, options: GenerationLogOptions = {}) {
  const settings = {
    maxBatch: options.maxBatch ?? 32,
    flushIntervalMs: options.flushIntervalMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 2_000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
  };
  const staleAfterMs = settings.heartbeatMs * 5;
  // One statement for the batches of every generation written here (event-batcher.ts).
  const batcher = createEventBatcher(db, { windowMs: Math.ceil(settings.flushIntervalMs / 2) });
  // And one heartbeat statement for all of them (heartbeat.ts).
  const heartbeat = createHeartbeat(db, settings.heartbeatMs);
  const live = new EventEmitter();
  live.setMaxListeners(0);
  // Generations whose writer runs in this process.
  const writing = new Set<string>();
  // The end of a generation whose writer gave up while the database was away, for readers here.
  const endings = new Map<string, StoredEvent>();

  async function start(input: { chatId: string; messageId: string; userId: string; modelId: string }) {
    const [row] = await db.insert(generations).values(input).returning({ id: generations.id });
    return row!.id;
  }

  /** The writer one generation uses (event-writer.ts); nothing it does rejects. */
  function writer(generationId: string, hooks: WriterHooks = {}) {
    writing.add(generationId);
    return createEventWriter(
      db,
      generationId,
      settings,
      {
        wake: (stored) => live.emit(generationId, stored),
        closed: (ending) => {
          writing.delete(generationId);
          if (ending) {
            endings.set(generationId, ending);
            // Kept long enough for readers that reconnect; the sweep stores the end meanwhile.
            setTimeout(() => endings.delete(generationId), 10 * 60_000).unref();
          }
          live.emit(generationId);
        },
      },
      hooks,
      { batcher, heartbeat },
    );
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
   * by this process's writer, or by a slow poll when the writer runs in another instance. While
   * the database is away, a reader of a generation written here waits for it to come back or for
   * the writer to give up (then it reads the writer's end); any other reader fails.
   */
  async function* follow(generationId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    let last = afterSeq;
    // Events this process's writer stored, handed over with the wake-up: read without a select
    // when they follow on from the last one yielded (a gap, or none, falls back to the database).
    let handed: StoredEvent[] = [];
    let wake: (() => void) | undefined;
    const onStored = (stored?: StoredEvent[]) => {
      if (stored) handed.push(...stored);
      wake?.();
    };
    live.on(generationId, onStored);
    try {
      while (!signal?.aborted) {
        let events: StoredEvent[] = [];
        handed = handed.filter((e) => e.seq > last);
        if (handed[0]?.seq === last + 1) {
          events = handed;
          handed = [];
        } else {
          try {
            events = await eventsAfter(generationId, last);
          } catch (error) {
            if (!writing.has(generationId) && !endings.has(generationId)) throw error;
          }
        }
        for (const event of events) {
          if (event.seq <= last) continue;
          yield event;
          last = event.seq;
          if (event.type === "finish") return;
        }
        if (events.length === 0) {
          const ending = endings.get(generationId);
          if (ending) {
            yield ending;
            return;
          }
          // Finished without a finish event (a crash, or its chat deleted): nothing more will come.
          if (!writing.has(generationId) && (await statusOf(generationId)) !== "running") return;
        }
        if (handed.some((e) => e.seq > last)) continue;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(poll);
            wake = undefined;
            signal?.removeEventListener("abort", done);
            resolve();
          };
          // A writer here wakes its readers on every store and at its end: the poll is only a
          // safety net then. One in another instance is polled (a reader of a generation
          // still waiting for a decode slot polled every 500 ms: 383 selects in one load run).
          const poll = setTimeout(done, writing.has(generationId) ? 5_000 : 500);
          wake = done;
          signal?.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      live.off(generationId, onStored);
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

  /**
   * Waits until a generation asked to stop (`requestStop`) has ended, polling its status: the
   * instance running it reads the request with its next heartbeat. True when it ended within
   * `timeoutMs`; a generation whose heartbeat is stale has no live writer and is not waited for.
   */
  async function awaitEnd(generationId: string, timeoutMs = settings.heartbeatMs * 3) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await db
        .select({ status: generations.status, heartbeatAt: generations.heartbeatAt })
        .from(generations)
        .where(eq(generations.id, generationId));
      if (!row || row.status !== "running") return true;
      if (Date.now() - row.heartbeatAt.getTime() > staleAfterMs || Date.now() >= deadline) return false;
      await sleep(Math.min(100, settings.heartbeatMs));
    }
  }

  async function runningForChat(chatId: string) {
    return db
      .select()
      .from(generations)
      .where(and(eq(generations.chatId, chatId), eq(generations.status, "running")));
  }

  async function runningForUser(userId: string) {
    return db
      .select()
      .from(generations)
      .where(and(eq(generations.userId, userId), eq(generations.status, "running")));
  }

  /**
   * Generations whose process died: still "running" with no heartbeat for `staleAfterMs`. Run at
   * start and periodically, so one instance cleans up after another that crashed. Idempotent
   * (generation-recovery.ts).
   */
  function markInterrupted(staleAfter = staleAfterMs, exceptIds: string[] = []) {
    return recoverStaleGenerations(db, { staleAfterMs: staleAfter, exceptIds, logger: options.logger });
  }

  return {
    start,
    writer,
    eventsAfter,
    follow,
    statusOf,
    requestStop,
    awaitEnd,
    runningForChat,
    runningForUser,
    markInterrupted,
  };
}

export type GenerationLog = ReturnType<typeof createGenerationLog>;
