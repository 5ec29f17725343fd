// One runs row per generation in any application: written when it starts, completed when it ends.
// Quotas count these rows and the admin metrics page charts them.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import type { AppName } from "../apps";

export interface RunOutcome {
  status: "completed" | "stopped" | "failed" | "interrupted";
  promptTokens?: number;
  completionTokens?: number;
  timeToFirstTokenMs?: number | null;
  durationMs?: number;
  error?: string;
}

export function createRunRecorder(db: Db) {
  async function start(input: { userId: string; app: AppName; modelId: string; messageId?: string }) {
    const [row] = await db.insert(runs).values(input).returning({ id: runs.id });
    return row!.id;
  }

  async function finish(runId: string, outcome: RunOutcome) {
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

  return { start, finish };
}

export type RunRecorder = ReturnType<typeof createRunRecorder>;
