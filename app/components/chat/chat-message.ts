// A chat message as the page holds it (the AI SDK's UIMessage with Loom's metadata: siblings,
// rating, stats), and the conversation the loader hands the page.
import type { UIMessage } from "ai";
import type { ChatSettings } from "../../../server/apps/chat-settings";
import type { ChatMessageMetadata } from "../../../server/chat/message-metadata";

export type ChatMessage = UIMessage<ChatMessageMetadata>;

export interface ChatData {
  id: string;
  title: string;
  messages: ChatMessage[];
  generating: boolean;
  settings: ChatSettings;
  /** Not kept: a banner says so; no export, no ratings. */
  temporary: boolean;
}
