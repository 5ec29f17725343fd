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
  async function start(input: {
    userId: string;
    app: AppName;
    modelId: string;
    messageId?: string;
    /** "api" for requests through /v1 (server/openai); the web apps' default otherwise. */
    via?: RunChannel;
  }) {
    const [row] = await db.insert(runs).values(input).returning({ id: runs.id });
    return row!.id;
  }

  // Finishes still being written: shutdown waits for them before it closes the database, so a run
  // that ended just before the shutdown is not left "running".
  const pending = new Set<Promise<unknown>>();

  async function finish(runId: string, outcome: RunOutcome) {
    const write = writeOutcome(runId, outcome);
    pending.add(write);
    try {
      await write;
    } finally {
      pending.delete(write);
    }
  }

  /** Resolves once every finish already begun has been written (or has failed). */
  async function settle() {
    await Promise.allSettled([...pending]);
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

  return { start, finish, settle };
}

export type RunRecorder = ReturnType<typeof createRunRecorder>;
