// The writer of one generation's event log. It is the only writer of that log, so sequence
// numbers are local. Nothing it does rejects: the database may be away (events wait in a bounded
// buffer and are retried with backoff), the generation's row may be gone (its chat was deleted)
// or ended by another instance. In those two cases, and past the buffer's bounds, the writer gives
// up, once, and says why.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents, generations } from "../../db/schema";
import type { EventBatcher } from "./event-batcher";
import { createHeartbeat, type BeatRow, type Heartbeat } from "./heartbeat";
import type { FinalStatus, GenerationEvent, StoredEvent } from "./generation-log";
import { isReferenceGone, isRefusedWrite, retryDelay, sleep, type RetryPolicy } from "./write-faults";

/**
 * Why a writer gave up. `gone`: its row was deleted (with its chat) or ended elsewhere, so
 * nothing more is to be written. `unsaved`: the database stayed away past the retry policy's
 * bounds, or refused a write; the generation ends as interrupted.
 */
export type AbandonReason = "gone" | "unsaved";

/** What readers in this process read when the writer could not store its generation's end. */
export const UNSAVED_MESSAGE =
  "The database could not be reached, so this answer was cut short. The part that was saved is kept.";

export interface WriterSettings {
  maxBatch: number;
  flushIntervalMs: number;
  heartbeatMs: number;
  retry: RetryPolicy;
}

export interface WriterHooks {
  /** A stop asked for on another instance, read back with the heartbeat. */
  onStopRequested?: () => void;
  /** Called once when the writer gives up; the generation should stop producing. */
  onAbandoned?: (reason: AbandonReason, error?: unknown) => void;
}

/** How the writer tells its log what happened, for the readers in this process. */
export interface WriterLink {
  /** New events are stored: these, in order. */
  wake(stored: StoredEvent[]): void;
  /** The writer is done; `ending` is the finish event readers get when it could not be stored. */
  closed(ending?: StoredEvent): void;
}

export function createEventWriter(
  db: Db,
  generationId: string,
  settings: WriterSettings,
  link: WriterLink,
  hooks: WriterHooks = {},
  /**
   * Shared with the other writers of this process: one statement for all their batches
   * (event-batcher.ts) and one for all their heartbeats (heartbeat.ts). Without them, its own.
   */
  shared: { batcher?: EventBatcher; heartbeat?: Heartbeat } = {},
) {
  const { batcher } = shared;
  const { retry } = settings;
  let seq = 0;
  let storedSeq = 0;
  let pending: (typeof generationEvents.$inferInsert & { seq: number })[] = [];
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let state: "writing" | "finished" | AbandonReason = "writing";
  // Since when writes have been failing (undefined while they succeed).
  let outageSince: number | undefined;
  // Set by finish: the status it writes is this writer's own, not an end from elsewhere.
  let finishing = false;
  let ended: { status: FinalStatus; error?: string } | undefined;

  const leaveHeartbeat = (shared.heartbeat ?? createHeartbeat(db, settings.heartbeatMs)).join(generationId, onBeat);

  function onBeat(row: BeatRow) {
    if (finishing) return;
    if (!row || row.status !== "running") abandon("gone");
    else if (row.stopRequestedAt) hooks.onStopRequested?.();
  }

  /**
   * Runs one write until it succeeds, retrying while the database is away. False when the writer
   * gave up (now or before) and the write did not happen.
   */
  async function attempt(write: () => Promise<void>): Promise<boolean> {
    for (let failures = 0; ; failures++) {
      if (state === "unsaved") return false;
      try {
        await write();
        outageSince = undefined;
        return true;
      } catch (error) {
        outageSince ??= Date.now();
        const tooLong = Date.now() - outageSince > retry.maxOutageMs || pending.length > retry.maxBufferedEvents;
        if (isReferenceGone(error)) abandon("gone", error);
        else if (isRefusedWrite(error) || tooLong) abandon("unsaved", error);
        else {
          await sleep(retryDelay(retry, failures));
          continue;
        }
        return false;
      }
    }
  }

  /** Stores the pending events, oldest first; new ones appended meanwhile go in the next round. */
  async function pump() {
    while (pending.length > 0 && state === "writing") {
      const batch = pending.slice();
      const stored = await attempt(async () => {
        // The batch that ends the generation is stored with its final status, in one transaction:
        // a reader that sees the finish event finds the generation ended.
        const running =
          batch.at(-1)!.type === "finish" && ended
            ? await db.transaction((tx) => storeBatch(tx, batch, ended))
            : batcher
              ? await batcher.store(generationId, batch)
              : await storeBatch(db, batch);
        // Ended by another instance's sweep (a long outage looked like a crash): stop writing.
        if (!running) abandon("gone");
      });
      if (!stored || state !== "writing") return;
      pending = pending.slice(batch.length);
      storedSeq = batch.at(-1)!.seq;
      link.wake(batch.map(({ seq, type, data }) => ({ seq, type: type as StoredEvent["type"], data })));
    }
  }

  /** Inserts a batch and moves `last_seq` (and the status, at the end). False when no longer running. */
  async function storeBatch(
    q: Pick<Db, "insert" | "update">,
    batch: (typeof generationEvents.$inferInsert)[],
    end?: { status: FinalStatus; error?: string },
  ) {
    // A retried batch may have been stored by the attempt whose answer was lost: the same
    // (generation, seq) is the same event, so a conflict is that earlier success.
    await q.insert(generationEvents).values(batch).onConflictDoNothing();
    const rows = await q
      .update(generations)
      .set({
        lastSeq: batch.at(-1)!.seq,
        heartbeatAt: new Date(),
        ...(end && { status: end.status, error: end.error ?? null, finishedAt: new Date() }),
      })
      .where(and(eq(generations.id, generationId), eq(generations.status, "running")))
      .returning({ id: generations.id });
    return rows.length > 0;
  }

  /** Resolves once every event appended so far is stored, or the writer gave up. Never rejects. */
  function flush(): Promise<void> {
    // Given up: nothing more is written, and a write still hanging is not waited for.
    if (state !== "writing") return Promise.resolve();
    clearTimeout(timer);
    timer = undefined;
    pumping ??= pump().finally(() => (pumping = undefined));
    return pumping;
  }

  function append(event: GenerationEvent) {
    if (state !== "writing") return;
    pending.push({ generationId, seq: ++seq, type: event.type, data: event.data });
    // Writes that neither succeed nor fail (a database that hangs) fill the buffer too.
    if (pending.length > retry.maxBufferedEvents) abandon("unsaved");
    else if (pending.length >= settings.maxBatch) void flush();
    else timer ??= setTimeout(() => void flush(), settings.flushIntervalMs);
  }

  function abandon(reason: AbandonReason, error?: unknown) {
    if (state !== "writing") return;
    state = reason;
    leaveHeartbeat();
    clearTimeout(timer);
    pending = [];
    // Readers here get the end even while the database is away; when it is back, the sweep
    // (markInterrupted) stores it.
    const ending: StoredEvent | undefined =
      reason === "unsaved"
        ? { seq: storedSeq + 1, type: "finish", data: { status: "interrupted", error: UNSAVED_MESSAGE } }
        : undefined;
    link.closed(ending);
    hooks.onAbandoned?.(reason, error);
  }

  /** Another write of this generation (its message, its run), under the same retry policy. */
  function persist(write: () => Promise<unknown>): Promise<boolean> {
    return attempt(async () => void (await write()));
  }

  /** Stores the finish event with the final status. Never rejects. */
  async function finish(status: FinalStatus, error?: string) {
    finishing = true;
    leaveHeartbeat();
    ended = { status, ...(error && { error }) };
    append({ type: "finish", data: ended });
    await flush();
    if (state !== "writing") return;
    state = "finished";
    link.closed();
  }

  return {
    append,
    flush,
    finish,
    persist,
    /** "writing", then "finished"; "gone" or "unsaved" when it gave up. */
    get state() {
      return state;
    },
  };
}

export type EventWriter = ReturnType<typeof createEventWriter>;
