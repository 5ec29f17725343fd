// Read-only share links (decision 029). The owner makes a link for a chat: it holds a snapshot of
// the visible branch at that moment (later messages, edits and other branches stay private). The
// link carries 256 random bits and the database keeps only their sha256, so a leaked table leaks
// no working link. Revoking keeps the row (the page answers 410 Gone); deleting the chat deletes
// its links (foreign key cascade: 404).
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chats as chatsTable, shareLinks, type SharedMessage, type ShareLinkRow } from "../../db/schema";
import { HttpError } from "../http-error";
import { textOf } from "../common/message-text";
import type { ChatStore } from "./chat-store";

/** Live links per chat: enough for any sharing, not a table that grows without end. */
export const MAX_LINKS_PER_CHAT = 20;
/** base64url of 32 bytes: anything else is no token of ours and is not looked up. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface ShareLinkSummary {
  id: string;
  chatId: string;
  title: string;
  messageCount: number;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A link on the owner's list of all their links: its chat's current title beside the snapshot's. */
export interface UserShareLink extends ShareLinkSummary {
  chatTitle: string;
}

export type OpenedShare =
  | { found: true; title: string; messages: SharedMessage[]; createdAt: Date }
  | { found: false; reason: "unknown" | "revoked" };

export function createShareLinks(db: Db, chats: ChatStore) {
  /**
   * A new link to the chat's visible branch as it is now; only the owner can make one (another
   * user's chat is CHAT_NOT_FOUND, 404). An answer still being written is left out: a snapshot
   * holds finished messages only. `modelNames` maps model ids to the names shown.
   */
  async function create(userId: string, chatId: string, modelNames: ReadonlyMap<string, string> = new Map()) {
    const { chat, path } = await chats.getChat(userId, chatId);
    // A temporary chat is not kept (decision 028): a snapshot of it would keep it.
    if (chat.temporary)
      throw new HttpError(409, "TEMPORARY_CHAT", "A temporary chat cannot be shared: it is not kept.");
    const live = await db
      .select({ id: shareLinks.id })
      .from(shareLinks)
      .where(and(eq(shareLinks.chatId, chatId), isNull(shareLinks.revokedAt)));
    if (live.length >= MAX_LINKS_PER_CHAT)
      throw new HttpError(409, "TOO_MANY_LINKS", `At most ${MAX_LINKS_PER_CHAT} links per chat: revoke one first.`);
    const messages: SharedMessage[] = path
      .filter((m) => m.status !== "running" && m.role !== "system")
      .map((m) => ({
        role: m.role,
        // Text only: the snapshot shows what the page shows, nothing a part type might add later.
        parts: [{ type: "text", text: textOf(m.parts) }],
        ...(m.modelId && { model: modelNames.get(m.modelId) ?? m.modelId }),
      }));
    if (messages.length === 0)
      throw new HttpError(400, "NOTHING_TO_SHARE", "This conversation has no messages to share yet.");
    const token = randomBytes(32).toString("base64url");
    const [row] = await db
      .insert(shareLinks)
      .values({ chatId, userId, tokenHash: hashToken(token), title: chat.title, messages })
      .returning();
    return { token, link: summaryOf(row!) };
  }

  /** The chat's links, newest first, revoked ones included; only for the chat's owner. */
  async function list(userId: string, chatId: string): Promise<ShareLinkSummary[]> {
    await chats.ownedChat(userId, chatId);
    const rows = await db
      .select()
      .from(shareLinks)
      .where(and(eq(shareLinks.chatId, chatId), eq(shareLinks.userId, userId)))
      .orderBy(desc(shareLinks.createdAt));
    return rows.map(summaryOf);
  }

  /**
   * Every link the user made, newest first, revoked ones included (Settings › Share links), each
   * with its chat's title as it is now (the snapshot keeps the title it was made with). One query:
   * the user's links joined to their chats; a deleted chat's links are gone with it (cascade).
   */
  async function listForUser(userId: string): Promise<UserShareLink[]> {
    const rows = await db
      .select({ link: shareLinks, chatTitle: chatsTable.title })
      .from(shareLinks)
      .innerJoin(chatsTable, eq(chatsTable.id, shareLinks.chatId))
      .where(eq(shareLinks.userId, userId))
      .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id));
    return rows.map(({ link, chatTitle }) => ({ ...summaryOf(link), chatTitle }));
  }

  /** Only the owner's own links; one that is gone or already revoked is a 404. */
  async function revoke(userId: string, linkId: string) {
    const revoked = await db
      .update(shareLinks)
      .set({ revokedAt: new Date() })
      .where(and(eq(shareLinks.id, linkId), eq(shareLinks.userId, userId), isNull(shareLinks.revokedAt)))
      .returning({ id: shareLinks.id });
    if (revoked.length === 0) throw new HttpError(404, "LINK_NOT_FOUND", "There is no such live link.");
  }

  /** What a token shows: the snapshot, or why there is none. */
  async function open(token: string): Promise<OpenedShare> {
    if (!TOKEN_PATTERN.test(token)) return { found: false, reason: "unknown" };
    const [row] = await db
      .select()
      .from(shareLinks)
      .where(eq(shareLinks.tokenHash, hashToken(token)));
    if (!row) return { found: false, reason: "unknown" };
    if (row.revokedAt) return { found: false, reason: "revoked" };
    return { found: true, title: row.title, messages: row.messages, createdAt: row.createdAt };
  }

  return { create, list, listForUser, revoke, open };
}

export type ShareLinks = ReturnType<typeof createShareLinks>;

function summaryOf(row: ShareLinkRow): ShareLinkSummary {
  return {
    id: row.id,
    chatId: row.chatId,
    title: row.title,
    messageCount: row.messages.length,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
