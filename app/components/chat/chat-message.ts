// A chat message as the page holds it (the AI SDK's UIMessage with Loom's metadata: siblings,
// rating, stats), and the conversation the loader hands the page.
import type { UIMessage } from "ai";
import type { ChatInputLimit } from "../../../server/apps/chat";
import type { ChatSettings } from "../../../server/apps/chat-settings";
import type { ChatMessageMetadata } from "../../../server/chat/message-metadata";

export type ChatMessage = UIMessage<ChatMessageMetadata>;

export interface ChatData {
  id: string;
  title: string;
  messages: ChatMessage[];
  generating: boolean;
  settings: ChatSettings;
  /** Chat's model's answer limit when it lowered the chat's stored max tokens (decision 035). */
  maxTokensLimit?: number;
  /** The composer's limit with this chat's settings; null without a model that loads. */
  inputLimit: ChatInputLimit | null;
  /** Not kept: a banner says so; no export, no ratings. */
  temporary: boolean;
}
