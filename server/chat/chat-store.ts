// Conversations as message trees. Regenerate and edit add a sibling under the same parent; the
// chat remembers which leaf the user looks at, and the visible conversation is the path from the
// root to that leaf. Nothing is overwritten or deleted except by deleting the whole chat.
import { randomUUID } from "node:crypto";
import { and, desc, eq, getTableColumns, ilike, inArray, lt, notExists, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chats, feedback, generations, messages, type RUN_STATUSES } from "../../db/schema";
import type { ChatSettings } from "../apps/chat-settings";
import { HttpError, isPublicError, PublicError } from "../http-error";
import { newestLeaf, pathToRoot, siblingsOf } from "./message-tree";

export type MessageRow = typeof messages.$inferSelect;
export type ChatRow = typeof chats.$inferSelect;

export class ChatNotFoundError extends PublicError<"CHAT_NOT_FOUND"> {
  constructor() {
    super("CHAT_NOT_FOUND", 404, "This conversation does not exist or is not yours.");
  }
}

export function isChatNotFound(error: unknown): error is ChatNotFoundError {
  return isPublicError(error) && error.code === "CHAT_NOT_FOUND";
}

/**
 * One message on the visible path, with where it stands among its siblings (‹ 2/3 ›) and, for an
 * answer, how its generation ended (null when none wrote it): stopped and interrupted answers are
 * marked on the page.
 */
export interface PathMessage extends MessageRow {
  siblingIds: string[];
  siblingIndex: number;
  status: (typeof RUN_STATUSES)[number] | null;
}

/**
 * How long a temporary chat outlives its last message when its page is not left through Loom (a
 * closed tab, a lost connection): the service's sweep deletes it then (decision 028).
 */
export const TEMPORARY_CHAT_IDLE_MS = 60 * 60_000;

export class TemporaryChatError extends HttpError<"TEMPORARY_CHAT"> {}

export interface NewChatOptions {
  id?: string;
  /** The chat's settings: its owner's defaults when it is made. */
  settings?: ChatSettings;
  temporary?: boolean;
}

export interface NewMessage {
  role: MessageRow["role"];
  parts: unknown[];
  parentId: string | null;
  modelId?: string | null;
  id?: string;
}

/**
 * How the generation that wrote a message ended (the newest one, should there be several). Spelt
 * out: drizzle leaves columns unqualified in a single-table select, and both tables have chat_id.
 */
const generationStatus = sql<PathMessage["status"]>`(
  select g.status from generations g
  where g.chat_id = "messages"."chat_id" and g.message_id = "messages"."id"
  order by g.created_at desc limit 1
)`;

export function createChatStore(db: Db) {
  async function ownedChat(userId: string, chatId: string) {
    const [chat] = await db
      .select()
      .from(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)));
    if (!chat) throw new ChatNotFoundError();
    return chat;
  }

  /** `id` may come from the client (a UUID it generated); an id already taken is a 409. */
  async function createChat(userId: string, title = "New chat", { id, settings, temporary }: NewChatOptions = {}) {
    const [chat] = await db
      .insert(chats)
      .values({ userId, title: title.slice(0, 200), ...(id && { id }), settings, temporary })
      .onConflictDoNothing()
      .returning();
    if (!chat) throw new HttpError(409, "CHAT_EXISTS", "A conversation with this id already exists.");
    return chat;
  }

  /** The user's kept chats (temporary ones never show), newest activity first; `query` searches titles and message text. */
  async function listChats(userId: string, query?: string) {
    const base = db
      .select({ id: chats.id, title: chats.title, updatedAt: chats.updatedAt })
      .from(chats)
      .orderBy(desc(chats.updatedAt))
      .limit(200);
    const kept = and(eq(chats.userId, userId), eq(chats.temporary, false));
    if (!query?.trim()) return base.where(kept);
    const pattern = `%${query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const matching = db
      .select({ chatId: messages.chatId })
      .from(messages)
      .where(sql`${messages.parts}::text ilike ${pattern}`);
    return base.where(and(kept, or(ilike(chats.title, pattern), inArray(chats.id, matching))));
  }

  async function setChatSettings(userId: string, chatId: string, settings: ChatSettings) {
    await ownedChat(userId, chatId);
    await db.update(chats).set({ settings }).where(eq(chats.id, chatId));
  }

  /**
   * Deletes temporary chats idle for `idleMs` (no message since) with no answer being written;
   * returns how many. Their messages, events and feedback go with them (foreign keys cascade).
   */
  async function purgeTemporaryChats(idleMs = TEMPORARY_CHAT_IDLE_MS): Promise<number> {
    const running = db
      .select({ id: generations.id })
      .from(generations)
      .where(and(eq(generations.chatId, chats.id), eq(generations.status, "running")));
    const deleted = await db
      .delete(chats)
      .where(and(eq(chats.temporary, true), lt(chats.updatedAt, new Date(Date.now() - idleMs)), notExists(running)))
      .returning({ id: chats.id });
    return deleted.length;
  }

  async function renameChat(userId: string, chatId: string, title: string) {
    await ownedChat(userId, chatId);
    await db
      .update(chats)
      .set({ title: title.slice(0, 200) })
      .where(eq(chats.id, chatId));
  }

  async function deleteChat(userId: string, chatId: string) {
    await ownedChat(userId, chatId);
    await db.delete(chats).where(eq(chats.id, chatId));
  }

  /**
   * Adds a message under its parent and makes it the visible leaf. `id` may come from the client;
   * one already taken (here or in anyone's chat) is a 409.
   */
  async function addMessage(userId: string, chatId: string, message: NewMessage) {
    await ownedChat(userId, chatId);
    return db.transaction(async (tx) => {
      if (message.parentId) {
        const [parent] = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.id, message.parentId), eq(messages.chatId, chatId)));
        if (!parent) throw new ChatNotFoundError();
      }
      const [row] = await tx
        .insert(messages)
        .values({ chatId, ...message })
        .onConflictDoNothing({ target: messages.id })
        .returning();
      if (!row) throw new HttpError(409, "MESSAGE_EXISTS", "A message with this id already exists. Send it again.");
      await tx.update(chats).set({ currentLeafId: row.id, updatedAt: new Date() }).where(eq(chats.id, chatId));
      return row;
    });
  }

  /**
   * Adds messages to a chat its caller has read with `ownedChat` (a chat turn reads it once:
   * decision 034), each under the one before it or its own `parentId`, in one transaction: one
   * insert for all, then the last becomes the visible leaf. The caller checked the first one's
   * parent against the chat's messages. An `id` already taken is a 409 and nothing is stored.
   */
  async function addMessagesTo(chat: Pick<ChatRow, "id">, rows: readonly NewMessage[]): Promise<MessageRow[]> {
    // Ids given here, so the rows returned are matched by id, whatever order they come back in.
    const withIds = rows.map((m) => ({ ...m, id: m.id ?? randomUUID() }));
    return db.transaction(async (tx) => {
      const inserted = await tx
        .insert(messages)
        // clock_timestamp(), not the column's now(): now() is the transaction's one instant, and
        // an answer must sort after its question (siblings and exports order by created_at).
        .values(withIds.map((m) => ({ chatId: chat.id, ...m, createdAt: sql`clock_timestamp()` })))
        .onConflictDoNothing({ target: messages.id })
        .returning();
      if (inserted.length < withIds.length)
        throw new HttpError(409, "MESSAGE_EXISTS", "A message with this id already exists. Send it again.");
      const byId = new Map(inserted.map((m) => [m.id, m]));
      const ordered = withIds.map((m) => byId.get(m.id)!);
      await tx
        .update(chats)
        .set({ currentLeafId: ordered.at(-1)!.id, updatedAt: new Date() })
        .where(eq(chats.id, chat.id));
      return ordered;
    });
  }

  /** Every message of a chat its caller has read with `ownedChat`, in no particular order. */
  async function messagesOf(chat: Pick<ChatRow, "id">): Promise<MessageRow[]> {
    return db.select().from(messages).where(eq(messages.chatId, chat.id));
  }

  async function updateMessage(
    messageId: string,
    patch: Partial<
      Pick<MessageRow, "parts" | "modelId" | "promptTokens" | "completionTokens" | "timeToFirstTokenMs" | "durationMs">
    >,
  ) {
    await db.update(messages).set(patch).where(eq(messages.id, messageId));
  }

  /** Shows another branch: the leaf reached by always taking the newest child from `messageId`. */
  async function selectBranch(userId: string, chatId: string, messageId: string) {
    await ownedChat(userId, chatId);
    const all = await db.select().from(messages).where(eq(messages.chatId, chatId));
    if (!all.some((m) => m.id === messageId)) throw new ChatNotFoundError();
    const leaf = newestLeaf(all, messageId);
    await db.update(chats).set({ currentLeafId: leaf }).where(eq(chats.id, chatId));
    return leaf;
  }

  /** The chat and the visible path (root → current leaf), each message with its siblings. */
  async function getChat(userId: string, chatId: string) {
    const chat = await ownedChat(userId, chatId);
    // The generation's status rides along in the same statement (the chat index finds its rows).
    const all = await db
      .select({ ...getTableColumns(messages), status: generationStatus })
      .from(messages)
      .where(eq(messages.chatId, chatId))
      .orderBy(messages.createdAt);
    const path: PathMessage[] = pathToRoot(all, chat.currentLeafId).map((message) => {
      const siblingIds = siblingsOf(all, message).map((m) => m.id);
      return { ...message, siblingIds, siblingIndex: siblingIds.indexOf(message.id) };
    });
    const ratings = path.length
      ? await db
          .select({ messageId: feedback.messageId, rating: feedback.rating })
          .from(feedback)
          .where(
            and(
              eq(feedback.userId, userId),
              inArray(
                feedback.messageId,
                path.map((m) => m.id),
              ),
            ),
          )
      : [];
    return { chat, path, ratings: Object.fromEntries(ratings.map((r) => [r.messageId, r.rating])) };
  }

  /** Every message of the user's chat, oldest first: the whole tree (an export of every branch). */
  async function allMessages(userId: string, chatId: string): Promise<MessageRow[]> {
    await ownedChat(userId, chatId);
    return db.select().from(messages).where(eq(messages.chatId, chatId)).orderBy(messages.createdAt);
  }

  /** Root → `messageId`, whatever branch is on screen (what the model sees when answering it). */
  async function pathTo(userId: string, chatId: string, messageId: string): Promise<MessageRow[]> {
    await ownedChat(userId, chatId);
    const all = await db.select().from(messages).where(eq(messages.chatId, chatId));
    if (!all.some((m) => m.id === messageId)) throw new ChatNotFoundError();
    return pathToRoot(all, messageId);
  }

  async function setFeedback(userId: string, messageId: string, rating: -1 | 1 | 0, comment?: string) {
    const [message] = await db
      .select({ chatId: messages.chatId, temporary: chats.temporary })
      .from(messages)
      .innerJoin(chats, eq(chats.id, messages.chatId))
      .where(and(eq(messages.id, messageId), eq(chats.userId, userId)));
    if (!message) throw new ChatNotFoundError();
    // Not kept, so not rated: a rating would be kept apart from the chat it speaks of.
    if (message.temporary)
      throw new TemporaryChatError(409, "TEMPORARY_CHAT", "Answers in a temporary chat cannot be rated.");
    if (rating === 0) {
      await db.delete(feedback).where(and(eq(feedback.messageId, messageId), eq(feedback.userId, userId)));
      return;
    }
    await db
      .insert(feedback)
      .values({ messageId, userId, rating, comment: comment?.slice(0, 2000) })
      // A changed rating is a new rating: its time is what the feedback exports filter and report.
      .onConflictDoUpdate({
        target: [feedback.messageId, feedback.userId],
        set: { rating, comment, createdAt: sql`now()` },
      });
  }

  return {
    createChat,
    listChats,
    setChatSettings,
    purgeTemporaryChats,
    renameChat,
    deleteChat,
    addMessage,
    addMessagesTo,
    messagesOf,
    updateMessage,
    selectBranch,
    getChat,
    pathTo,
    allMessages,
    ownedChat,
    setFeedback,
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;
