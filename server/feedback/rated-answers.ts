// Users' 👍/👎 on chat answers, read back as data: a page of rated answers for Admin › Feedback,
// and every one of them (or every liked/disliked pair of sibling answers) in batches for the
// exports. All of it is built on one subquery, `eligibleRatings`, which is also the one place
// where users who opted out of training data are left out: no reader can forget them.
import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { chats, feedback, messages } from "../../db/schema";
import type { AppName } from "../apps";
import { pathToRoot } from "../chat/message-tree";
import { textOf } from "../common/message-text";
import { dateBounds, type FeedbackFilters } from "./filters";

/** Ratings exist on chat answers only (app/components/chat/message-rating.tsx). */
export const RATED_APP: AppName = "chat";

/** Ratings read per round trip by the exports: bounded memory whatever the table holds. */
export const EXPORT_BATCH = 200;

export interface Turn {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface RatedAnswer {
  messageId: string;
  chatId: string;
  rating: 1 | -1;
  modelId: string;
  app: AppName;
  ratedAt: Date;
  /** Root → the rated answer, which is the last turn. */
  conversation: Turn[];
}

export interface PreferencePair {
  chatId: string;
  modelId: string;
  app: AppName;
  /** The later of the two ratings. */
  ratedAt: Date;
  /** Root → the user turn both answers reply to. */
  context: Turn[];
  chosen: string;
  rejected: string;
}

/**
 * Rated assistant answers that match `filters`, from users who did not opt out. The chat's owner
 * and the rater are both checked (today they are the same person: only owners rate).
 */
function eligibleRatings(db: Db, filters: Omit<FeedbackFilters, "rating"> & { rating?: "up" | "down" }) {
  const { from, before } = dateBounds(filters);
  const conditions: (SQL | undefined)[] = [
    eq(messages.role, "assistant"),
    isNotNull(messages.modelId),
    // Spelt out: the outer tables go by their own names here, and drizzle would leave the
    // columns of a one-table subselect unqualified.
    sql`not exists (
      select 1 from users opted_out
      where opted_out.id in ("chats"."user_id", "feedback"."user_id") and opted_out.training_opt_out
    )`,
    filters.app && filters.app !== RATED_APP ? sql`false` : undefined,
    filters.model ? eq(messages.modelId, filters.model) : undefined,
    filters.rating ? eq(feedback.rating, filters.rating === "up" ? 1 : -1) : undefined,
    from ? gte(feedback.createdAt, from) : undefined,
    before ? lt(feedback.createdAt, before) : undefined,
  ];
  return db
    .select({
      messageId: feedback.messageId,
      raterId: feedback.userId,
      rating: feedback.rating,
      ratedAt: feedback.createdAt,
      // The exact timestamp (microseconds) as a keyset cursor: a JS Date keeps milliseconds only.
      cursor: sql<string>`${feedback.createdAt}::text`.as("cursor"),
      chatId: messages.chatId,
      parentId: messages.parentId,
      modelId: messages.modelId,
    })
    .from(feedback)
    .innerJoin(messages, eq(messages.id, feedback.messageId))
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .where(and(...conditions));
}

export function createFeedbackStore(db: Db) {
  /** Every message of these chats, oldest first: the trees the paths are walked in. */
  async function messagesOf(chatIds: string[]) {
    if (chatIds.length === 0) return new Map<string, ConversationMessage[]>();
    const rows = await db
      .select({
        id: messages.id,
        chatId: messages.chatId,
        parentId: messages.parentId,
        role: messages.role,
        parts: messages.parts,
      })
      .from(messages)
      .where(inArray(messages.chatId, [...new Set(chatIds)]))
      .orderBy(asc(messages.createdAt), asc(messages.id));
    const byChat = new Map<string, ConversationMessage[]>();
    for (const row of rows) byChat.set(row.chatId, [...(byChat.get(row.chatId) ?? []), row]);
    return byChat;
  }

  type Rating = { messageId: string; chatId: string; rating: number; modelId: string | null; ratedAt: Date };
  async function withConversations(rows: Rating[]): Promise<RatedAnswer[]> {
    const trees = await messagesOf(rows.map((r) => r.chatId));
    return rows.map((r) => ({
      messageId: r.messageId,
      chatId: r.chatId,
      rating: r.rating === 1 ? 1 : -1,
      modelId: r.modelId!,
      app: RATED_APP,
      ratedAt: r.ratedAt,
      conversation: turns(pathToRoot(trees.get(r.chatId) ?? [], r.messageId)),
    }));
  }

  /** One page for Admin › Feedback, newest rating first, and how many match in all. */
  async function listPage(filters: FeedbackFilters, page: { page: number; pageSize: number }) {
    const rated = eligibleRatings(db, filters).as("rated");
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(rated)
        .orderBy(desc(rated.ratedAt), desc(rated.messageId))
        .limit(page.pageSize)
        .offset((page.page - 1) * page.pageSize),
      db.select({ n: count() }).from(rated),
    ]);
    return { rows: await withConversations(rows), total: total?.n ?? 0 };
  }

  /** Every matching rated answer, oldest rating first, `EXPORT_BATCH` at a time. */
  async function* ratedAnswers(filters: FeedbackFilters): AsyncGenerator<RatedAnswer[]> {
    let after: { cursor: string; messageId: string; raterId: string } | undefined;
    for (;;) {
      const rated = eligibleRatings(db, filters).as("rated");
      const rows = await db
        .select()
        .from(rated)
        .where(
          after &&
            sql`(${rated.ratedAt}, ${rated.messageId}, ${rated.raterId}) > (${after.cursor}::timestamptz, ${after.messageId}, ${after.raterId})`,
        )
        .orderBy(asc(rated.ratedAt), asc(rated.messageId), asc(rated.raterId))
        .limit(EXPORT_BATCH);
      if (rows.length === 0) return;
      // An answer stopped before its first word has nothing to learn from, whatever its rating.
      yield (await withConversations(rows)).filter((r) => hasText(r.conversation.at(-1)!.content));
      if (rows.length < EXPORT_BATCH) return;
      after = rows.at(-1)!;
    }
  }

  /**
   * Sibling answers to one user turn, one liked and one disliked by the same user: every such
   * pair, `EXPORT_BATCH` at a time. The rating filter does not apply (a pair holds both).
   */
  async function* preferencePairs(filters: FeedbackFilters): AsyncGenerator<PreferencePair[]> {
    const { rating: _rating, ...rest } = filters;
    let offset = 0;
    for (;;) {
      const chosen = eligibleRatings(db, { ...rest, rating: "up" }).as("chosen");
      const rejected = eligibleRatings(db, { ...rest, rating: "down" }).as("rejected");
      const chosenAnswer = alias(messages, "chosen_answer");
      const rejectedAnswer = alias(messages, "rejected_answer");
      const ratedAt = sql<Date>`greatest(${chosen.ratedAt}, ${rejected.ratedAt})`;
      const rows = await db
        .select({
          chatId: chosen.chatId,
          parentId: chosen.parentId,
          modelId: chosen.modelId,
          ratedAt: sql<string>`${ratedAt}::text`,
          chosenParts: chosenAnswer.parts,
          rejectedParts: rejectedAnswer.parts,
        })
        .from(chosen)
        .innerJoin(
          rejected,
          and(
            eq(chosen.chatId, rejected.chatId),
            eq(chosen.parentId, rejected.parentId),
            eq(chosen.raterId, rejected.raterId),
          ),
        )
        .innerJoin(chosenAnswer, eq(chosenAnswer.id, chosen.messageId))
        .innerJoin(rejectedAnswer, eq(rejectedAnswer.id, rejected.messageId))
        .orderBy(asc(ratedAt), asc(chosen.messageId), asc(rejected.messageId))
        .limit(EXPORT_BATCH)
        .offset(offset);
      if (rows.length === 0) return;
      const trees = await messagesOf(rows.map((r) => r.chatId));
      yield rows
        .map((r) => ({
          chatId: r.chatId,
          modelId: r.modelId!,
          app: RATED_APP,
          ratedAt: new Date(r.ratedAt),
          context: turns(pathToRoot(trees.get(r.chatId) ?? [], r.parentId)),
          chosen: textOf(r.chosenParts),
          rejected: textOf(r.rejectedParts),
        }))
        .filter((pair) => hasText(pair.chosen) && hasText(pair.rejected));
      if (rows.length < EXPORT_BATCH) return;
      offset += rows.length;
    }
  }

  /** The models that have rated answers, for the page's filter (opted-out users' included: names only). */
  async function ratedModels(): Promise<string[]> {
    const rows = await db
      .selectDistinct({ modelId: messages.modelId })
      .from(feedback)
      .innerJoin(messages, eq(messages.id, feedback.messageId))
      .where(isNotNull(messages.modelId))
      .orderBy(asc(messages.modelId));
    return rows.map((r) => r.modelId!);
  }

  return { listPage, ratedAnswers, preferencePairs, ratedModels };
}

export type FeedbackStore = ReturnType<typeof createFeedbackStore>;

interface ConversationMessage {
  id: string;
  parentId: string | null;
  role: Turn["role"];
  parts: unknown[];
}

const hasText = (content: string) => content.trim() !== "";

const turns = (path: ConversationMessage[]): Turn[] => path.map((m) => ({ role: m.role, content: textOf(m.parts) }));
