// Aggregates over the runs table for the admin metrics page. Plain SQL aggregates that PostgreSQL
// 15 and PGlite both run (percentile_cont, date_trunc).
import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";

export interface MetricsRow {
  modelId: string;
  app: string;
  requests: number;
  completionTokens: number;
  p50TtftMs: number | null;
  p95TtftMs: number | null;
  tokensPerSecond: number | null;
  failures: number;
}

export function createMetrics(db: Db) {
  /** Per model and app over the last `hours`. */
  async function summary(hours = 24): Promise<MetricsRow[]> {
    const since = new Date(Date.now() - hours * 3600_000);
    const rows = await db
      .select({
        modelId: runs.modelId,
        app: runs.app,
        requests: sql<number>`count(*)::int`,
        completionTokens: sql<number>`coalesce(sum(${runs.completionTokens}), 0)::int`,
        p50TtftMs: sql<number | null>`percentile_cont(0.5) within group (order by ${runs.timeToFirstTokenMs})`,
        p95TtftMs: sql<number | null>`percentile_cont(0.95) within group (order by ${runs.timeToFirstTokenMs})`,
        tokensPerSecond: sql<
          number | null
        >`sum(${runs.completionTokens})::float8 / nullif(sum(${runs.durationMs}) filter (where ${runs.completionTokens} > 0), 0) * 1000`,
        failures: sql<number>`(count(*) filter (where ${runs.status} = 'failed'))::int`,
      })
      .from(runs)
      .where(gte(runs.createdAt, since))
      .groupBy(runs.modelId, runs.app)
      .orderBy(runs.modelId, runs.app);
    return rows.map((r) => ({
      ...r,
      p50TtftMs: r.p50TtftMs === null ? null : Number(r.p50TtftMs),
      p95TtftMs: r.p95TtftMs === null ? null : Number(r.p95TtftMs),
      tokensPerSecond: r.tokensPerSecond === null ? null : Number(r.tokensPerSecond),
    }));
  }

  /** Hourly buckets of requests and decode speed per model, for the charts. */
  async function hourly(hours = 24) {
    const since = new Date(Date.now() - hours * 3600_000);
    const rows = await db
      .select({
        hour: sql<string>`to_char(date_trunc('hour', ${runs.createdAt} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')`,
        modelId: runs.modelId,
        requests: sql<number>`count(*)::int`,
        tokensPerSecond: sql<
          number | null
        >`sum(${runs.completionTokens})::float8 / nullif(sum(${runs.durationMs}) filter (where ${runs.completionTokens} > 0), 0) * 1000`,
        p50TtftMs: sql<number | null>`percentile_cont(0.5) within group (order by ${runs.timeToFirstTokenMs})`,
      })
      .from(runs)
      .where(gte(runs.createdAt, since))
      .groupBy(sql`1`, runs.modelId)
      .orderBy(sql`1`);
    return rows.map((r) => ({
      ...r,
      tokensPerSecond: r.tokensPerSecond === null ? null : Number(r.tokensPerSecond),
      p50TtftMs: r.p50TtftMs === null ? null : Number(r.p50TtftMs),
    }));
  }

  async function recentFailures(limit = 20) {
    return db
      .select({ id: runs.id, modelId: runs.modelId, app: runs.app, error: runs.error, createdAt: runs.createdAt })
      .from(runs)
      .where(and(eq(runs.status, "failed")))
      .orderBy(desc(runs.createdAt))
      .limit(limit);
  }

  return { summary, hourly, recentFailures };
}

export type Metrics = ReturnType<typeof createMetrics>;
