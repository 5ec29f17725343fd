// One heartbeat for every generation written in this process. Each beat tells other instances
// that a generation's writer is alive (the recovery sweep ends those whose beat is stale) and
// brings back a stop asked for elsewhere. A beat per generation every 2 s was the largest share
// of the event log's statements under load (561 of ~2,700 for 70 streams, docs/performance.md),
// and PGlite runs each on the main thread; one statement per tick for all of them costs the same
// whatever the number of streams.
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generations } from "../../db/schema";

/** What one beat read back for a generation; undefined when its row is gone (chat deleted). */
export type BeatRow = { status: string; stopRequestedAt: Date | null } | undefined;

export interface Heartbeat {
  /** Beats for this generation from the next tick on; the returned function leaves. */
  join(generationId: string, onBeat: (row: BeatRow) => void): () => void;
}

export function createHeartbeat(db: Db, intervalMs: number): Heartbeat {
  const members = new Map<string, (row: BeatRow) => void>();
  let timer: NodeJS.Timeout | undefined;
  let beating = false;

  async function beat() {
    // A beat still running when the next tick comes (a slow database) is not doubled.
    if (beating || members.size === 0) return;
    beating = true;
    const current = [...members];
    try {
      const rows = await db
        .update(generations)
        .set({ heartbeatAt: new Date() })
        .where(
          inArray(
            generations.id,
            current.map(([id]) => id),
          ),
        )
        .returning({ id: generations.id, status: generations.status, stopRequestedAt: generations.stopRequestedAt });
      const byId = new Map(rows.map((r) => [r.id, r]));
      // Only those still joined: one that left while the beat ran has finished meanwhile.
      for (const [id, onBeat] of current) if (members.get(id) === onBeat) onBeat(byId.get(id));
    } catch {
      // A missed beat only delays: the next one retries, and only a long silence marks a
      // generation interrupted.
    } finally {
      beating = false;
    }
  }

  return {
    join(generationId, onBeat) {
      members.set(generationId, onBeat);
      if (!timer) {
        timer = setInterval(() => void beat(), intervalMs);
        timer.unref();
      }
      return () => {
        if (members.get(generationId) === onBeat) members.delete(generationId);
        if (members.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
  };
}
