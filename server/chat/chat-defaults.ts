// Each user's defaults for new chats (Settings › Chat): a chat copies them when it is made, so a
// later change of the defaults leaves existing chats as they are.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chatDefaults } from "../../db/schema";
import { chatSettingsOf, type ChatSettings } from "../apps/chat-settings";

export function createChatDefaults(db: Db) {
  /** The user's defaults, or Loom's where the user set none. */
  async function get(userId: string): Promise<ChatSettings> {
    const [row] = await db.select().from(chatDefaults).where(eq(chatDefaults.userId, userId));
    return chatSettingsOf(row?.settings);
  }

  async function set(userId: string, settings: ChatSettings): Promise<void> {
    await db
      .insert(chatDefaults)
      .values({ userId, settings })
      .onConflictDoUpdate({ target: chatDefaults.userId, set: { settings, updatedAt: new Date() } });
  }

  return { get, set };
}

export type ChatDefaults = ReturnType<typeof createChatDefaults>;
