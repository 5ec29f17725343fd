// Several servers on one database: when one installs, replaces or removes a model, the others
// drop the loaded copies (and remote clients) that no longer match a row. A NOTIFY on one channel
// says "look now"; a poll at a bounded interval catches what a dropped LISTEN connection missed.
// Serving never waits on either: the registry compares each row it reads with the copy it holds
// (loaded-models.ts), so these only free memory early. PGlite: one process, the notices stay in it.
import { sql } from "drizzle-orm";
import type { Database, Db } from "../../db/client";
import type { Logger } from "../logger";

export const MODEL_CHANGES_CHANNEL = "loom_models";

/** Tells every server on this database that a model row changed; never throws (the poll catches up). */
export async function announceModelChange(db: Db, modelId: string, logger: Logger) {
  try {
    await db.execute(sql`select pg_notify(${MODEL_CHANGES_CHANNEL}, ${modelId})`);
  } catch (error) {
    logger.warn("could not announce a model change; other servers will see it at their next poll", {
      modelId,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

export interface WatchOptions {
  database: Pick<Database, "listen">;
  /** The sweep: compare what is held with the rows, drop what changed. */
  sweep: () => Promise<unknown>;
  intervalMs: number;
  logger: Logger;
}

/** Runs `sweep` on every notice and every `intervalMs`, one at a time; resolves once listening. */
export async function watchModelChanges({ database, sweep, intervalMs, logger }: WatchOptions) {
  let running: Promise<void> | undefined;
  let again = false;
  function run() {
    if (running) {
      again = true; // a notice during a sweep: sweep once more after it, not once per notice
      return;
    }
    running = sweep()
      .then(
        () => {},
        (error: unknown) =>
          logger.warn("model change sweep failed", { reason: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  }
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await database.listen(MODEL_CHANGES_CHANNEL, run);
  } catch (error) {
    logger.warn("cannot listen for model changes; polling only", {
      intervalMs,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await unlisten?.().catch(() => {});
      await running;
    },
  };
}
