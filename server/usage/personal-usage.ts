// A user's own use, for the /usage page: requests and tokens per UTC day and application over
// the last N days, counted from the runs table (the same rows the daily quotas count).
import { and, eq, gte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import type { AppName } from "../apps";

export interface DailyAppUsage {
  /** The UTC day's start, "2026-12-01T00:00:00Z". */
  day: string;
  app: AppName;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

const DAY_MS = 24 * 3600_000;

/** The starts of the last `days` UTC days, oldest first, as `daily` writes them. */
export function dayBuckets(days: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * DAY_MS).toISOString().replace(".000Z", "Z"),
  );
}

export function createPersonalUsage(db: Db, now: () => Date = () => new Date()) {
  /** The user's runs of the last `days` UTC days (today included), per day and application. */
  async function daily(userId: string, days = 30): Promise<DailyAppUsage[]> {
    const since = new Date(dayBuckets(days, now())[0]!);
    const rows = await db
      .select({
        day: sql<string>`to_char(date_trunc('day', ${runs.createdAt} at time zone 'UTC'), 'YYYY-MM-DD"T"00:00:00"Z"')`,
        app: runs.app,
        requests: sql<number>`count(*)::int`,
        promptTokens: sql<number>`coalesce(sum(${runs.promptTokens}), 0)::int`,
        completionTokens: sql<number>`coalesce(sum(${runs.completionTokens}), 0)::int`,
      })
      .from(runs)
      .where(and(eq(runs.userId, userId), gte(runs.createdAt, since)))
      .groupBy(sql`1`, runs.app)
      .orderBy(sql`1`, runs.app);
    return rows;
  }

  return { daily };
}

export type PersonalUsage = ReturnType<typeof createPersonalUsage>;
