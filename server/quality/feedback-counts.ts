// Users' 👍/👎 on a model's answers, per app and UTC day. A rated message knows its model from
// messages.model_id (the model that wrote it) and its app from the run that generated it
// (runs.message_id → runs.app); feedback today is given only in Chat, so a message without a run
// (one stored before runs carried message ids) counts as chat.
import { and, eq, gte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { feedback, messages, runs } from "../../db/schema";

export interface FeedbackDay {
  /** "YYYY-MM-DD", UTC. */
  day: string;
  app: string;
  up: number;
  down: number;
}

/** The longest window the admin page asks for. */
export const MAX_FEEDBACK_DAYS = 366;

/** The last `days` UTC days, oldest first, today included. */
export function dayBuckets(days: number, now = Date.now()): string[] {
  const today = Math.floor(now / 86_400_000);
  return Array.from({ length: days }, (_, i) =>
    new Date((today - days + 1 + i) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** Up and down ratings of `modelId`'s answers per app and day over the last `days` days (UTC). */
export async function feedbackCounts(db: Db, modelId: string, days = 30, now = Date.now()): Promise<FeedbackDay[]> {
  if (!Number.isInteger(days) || days < 1 || days > MAX_FEEDBACK_DAYS)
    throw new RangeError(`days must be an integer from 1 to ${MAX_FEEDBACK_DAYS}`);
  const since = new Date(`${dayBuckets(days, now)[0]}T00:00:00Z`);
  // One run per generated message; the scalar subquery keeps a duplicate from counting twice.
  const app = sql<string>`coalesce((select ${runs.app} from ${runs} where ${runs.messageId} = ${messages.id} limit 1), 'chat')`;
  const day = sql<string>`to_char(${feedback.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .select({
      day,
      app,
      up: sql<number>`(count(*) filter (where ${feedback.rating} = 1))::int`,
      down: sql<number>`(count(*) filter (where ${feedback.rating} = -1))::int`,
    })
    .from(feedback)
    .innerJoin(messages, eq(messages.id, feedback.messageId))
    .where(and(eq(messages.modelId, modelId), gte(feedback.createdAt, since)))
    .groupBy(sql`1`, sql`2`)
    .orderBy(sql`1`, sql`2`);
  return rows;
}
