// One runs row per generation in any application: written when it starts, completed when it ends.
// Quotas count these rows and the admin metrics page charts them.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs, type RUN_CHANNELS } from "../../db/schema";
import type { AppName } from "../apps";

export type RunChannel = (typeof RUN_CHANNELS)[number];

export interface RunOutcome {
  status: "completed" | "stopped" | "failed" | "interrupted";
  promptTokens?: number;
  completionTokens?: number;
  timeToFirstTokenMs?: number | null;
  durationMs?: number;
  error?: string;
}

export function createRunRecorder(db: Db) {
  // Runs started and not yet finished (the finish write included): shutdown waits for them before
  // it closes the database, so a run that ends just before or during the shutdown is recorded, not
  // left "running". A stream that stops lets its request end before its run's outcome is written.
  const open = new Set<string>();
  // Finishes of runs not started here (or finished twice): waited for too.
  const pending = new Set<Promise<unknown>>();
  const waiters: (() => void)[] = [];
  const changed = () => {
    for (const wake of waiters.splice(0)) wake();
  };

  async function start(input: {
    /** Chosen by the caller when it must name the run before the row is written (server/openai). */
    id?: string;
    userId: string;
    app: AppName;
    modelId: string;
    messageId?: string;
    /** "api" for requests through /v1 (server/openai); the web apps' default otherwise. */
    via?: RunChannel;
  }) {
    if (input.id) open.add(input.id);
    try {
      const [row] = await db.insert(runs).values(input).returning({ id: runs.id });
      open.add(row!.id);
      return row!.id;
    } catch (error) {
      if (input.id) forget(input.id);
      throw error;
    }
  }

  async function finish(runId: string, outcome: RunOutcome) {
    const write = writeOutcome(runId, outcome);
    pending.add(write);
    try {
      await write;
    } finally {
      pending.delete(write);
      open.delete(runId);
      changed();
    }
  }

  /** A run whose outcome is left to recovery (its writer gave up): no longer waited for. */
  function forget(runId: string) {
    open.delete(runId);
    changed();
  }

  /**
   * Resolves once every run started here is finished and its outcome written (or failed to be),
   * runs started meanwhile included, or after `ms`. Returns how many were still open then.
   */
  async function settle(ms = 5_000) {
    const deadline = Date.now() + ms;
    while (open.size + pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return open.size + pending.size;
  }

  async function writeOutcome(runId: string, outcome: RunOutcome) {
    await db
      .update(runs)
      .set({
        status: outcome.status,
        promptTokens: outcome.promptTokens ?? 0,
        completionTokens: outcome.completionTokens ?? 0,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs == null ? null : Math.round(outcome.timeToFirstTokenMs),
        durationMs: outcome.durationMs == null ? null : Math.round(outcome.durationMs),
        error: outcome.error?.slice(0, 1000) ?? null,
      })
      .where(eq(runs.id, runId));
  }

  return {
    start,
    finish,
    forget,
    settle,
    /** Runs started here and not yet finished. */
    get open() {
      return open.size;
    },
  };
}

export type RunRecorder = ReturnType<typeof createRunRecorder>;
