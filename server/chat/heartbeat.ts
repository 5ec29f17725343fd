// The heartbeat of every generation this process writes, in one statement per beat: a
// generation with no beat for a while belongs to a process that died (markInterrupted). The beat
// also brings back a stop asked for on another instance. One update per generation every 2 s was
// 25 statements a second for 50 streams, each on PGlite's main thread.
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generations } from "../../db/schema";

export function createHeartbeat(db: Db, intervalMs: number) {
  /** Generation id → what to call when a stop is asked for elsewhere. */
  const beating = new Map<string, (() => void) | undefined>();
  let timer: NodeJS.Timeout | undefined;

  function beat() {
    const ids = [...beating.keys()];
    if (ids.length === 0) return;
    db.update(generations)
      .set({ heartbeatAt: new Date() })
      .where(inArray(generations.id, ids))
      .returning({ id: generations.id, stopRequestedAt: generations.stopRequestedAt })
      .then((rows) => {
        for (const row of rows) if (row.stopRequestedAt) beating.get(row.id)?.();
      })
      // A missed beat only delays: the next one retries, and only a long silence marks it interrupted.
      .catch(() => {});
  }

  return {
    add(generationId: string, onStopRequested?: () => void) {
      beating.set(generationId, onStopRequested);
      if (!timer) {
        timer = setInterval(beat, intervalMs);
        timer.unref();
      }
    },
    remove(generationId: string) {
      beating.delete(generationId);
      if (beating.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    },
    /** Whether this process writes the generation (and so wakes its readers itself). */
    has: (generationId: string) => beating.has(generationId),
  };
}
