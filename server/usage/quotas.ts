// Daily per-user limits on requests and generated tokens, counted from the runs table. A default
// row (user_id null) applies to everyone; a user's own row overrides it. Days are UTC days.
import { and, count, eq, gte, isNotNull, isNull, or, sql, sum } from "drizzle-orm";
import type { Db } from "../../db/client";
import { quotas, runs } from "../../db/schema";
import { LimitExceededError } from "./errors";

export interface Quota {
  dailyRequests: number | null;
  dailyTokens: number | null;
}

const startOfUtcDay = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

export function createQuotas(db: Db, now: () => Date = () => new Date()) {
  async function defaultQuota(): Promise<Quota> {
    const [row] = await db.select().from(quotas).where(isNull(quotas.userId));
    return { dailyRequests: row?.dailyRequests ?? null, dailyTokens: row?.dailyTokens ?? null };
  }

  // Every generation request asks this: prepared once, not built per request (decision 040).
  const quotasOfUser = db
    .select()
    .from(quotas)
    .where(or(eq(quotas.userId, sql.placeholder("userId")), isNull(quotas.userId)))
    .prepare("quotas_of_user");

  /**
   * The limits in force for a user: their own row, else the default. One statement reads both
   * (every generation request asks this; decision 034).
   */
  async function quotaFor(userId: string): Promise<Quota & { source: "user" | "default" }> {
    const rows = await quotasOfUser.execute({ userId });
    const own = rows.find((r) => r.userId === userId);
    if (own) return { dailyRequests: own.dailyRequests, dailyTokens: own.dailyTokens, source: "user" };
    const fallback = rows.find((r) => r.userId === null);
    return {
      dailyRequests: fallback?.dailyRequests ?? null,
      dailyTokens: fallback?.dailyTokens ?? null,
      source: "default",
    };
  }

  async function usageToday(userId: string) {
    const [row] = await db
      .select({ requests: count(), tokens: sum(runs.completionTokens) })
      .from(runs)
      .where(and(eq(runs.userId, userId), gte(runs.createdAt, startOfUtcDay(now()))));
    return { requests: row?.requests ?? 0, tokens: Number(row?.tokens ?? 0) };
  }

  /** Throws LimitExceededError naming when the quota resets. */
  async function assertWithinQuota(userId: string) {
    const quota = await quotaFor(userId);
    if (quota.dailyRequests === null && quota.dailyTokens === null) return;
    const used = await usageToday(userId);
    const resetAt = new Date(startOfUtcDay(now()).getTime() + 24 * 3600 * 1000);
    const retryAfterSeconds = Math.ceil((resetAt.getTime() - now().getTime()) / 1000);
    const when = `${resetAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    if (quota.dailyRequests !== null && used.requests >= quota.dailyRequests) {
      throw new LimitExceededError(
        `Daily limit of ${quota.dailyRequests} requests reached; it resets at ${when}.`,
        retryAfterSeconds,
      );
    }
    if (quota.dailyTokens !== null && used.tokens >= quota.dailyTokens) {
      throw new LimitExceededError(
        `Daily limit of ${quota.dailyTokens} generated tokens reached; it resets at ${when}.`,
        retryAfterSeconds,
      );
    }
  }

  /** `userId` null sets the default for everyone; null limits mean unlimited. */
  async function setQuota(userId: string | null, quota: Quota) {
    const scope = userId === null ? isNull(quotas.userId) : eq(quotas.userId, userId);
    await db.transaction(async (tx) => {
      const updated = await tx.update(quotas).set(quota).where(scope).returning({ id: quotas.id });
      if (updated.length === 0) await tx.insert(quotas).values({ userId, ...quota });
    });
  }

  async function clearUserQuota(userId: string) {
    await db.delete(quotas).where(eq(quotas.userId, userId));
  }

  /** Every user's own limits (the overrides of the default), by user id. */
  async function listUserQuotas(): Promise<Map<string, Quota>> {
    const rows = await db.select().from(quotas).where(isNotNull(quotas.userId));
    return new Map(
      rows.map((r) => [r.userId!, { dailyRequests: r.dailyRequests, dailyTokens: r.dailyTokens }] as const),
    );
  }

  /** Today's requests and generated tokens of every user who made a request today, by user id. */
  async function usageTodayByUser(): Promise<Map<string, { requests: number; tokens: number }>> {
    const rows = await db
      .select({ userId: runs.userId, requests: count(), tokens: sum(runs.completionTokens) })
      .from(runs)
      .where(and(isNotNull(runs.userId), gte(runs.createdAt, startOfUtcDay(now()))))
      .groupBy(runs.userId);
    return new Map(rows.map((r) => [r.userId!, { requests: r.requests, tokens: Number(r.tokens ?? 0) }] as const));
  }

  /** When today's counts start again (the next UTC midnight). */
  function resetsAt(): Date {
    return new Date(startOfUtcDay(now()).getTime() + 24 * 3600 * 1000);
  }

  return {
    quotaFor,
    defaultQuota,
    usageToday,
    assertWithinQuota,
    setQuota,
    clearUserQuota,
    listUserQuotas,
    usageTodayByUser,
    resetsAt,
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
