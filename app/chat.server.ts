// Shapes a stored conversation for the chat page: AI SDK UI messages (ids are the database ids),
// each with its model, stats, siblings and the user's rating as metadata.
import type { PathMessage } from "../server/chat/chat-store";
import type { ChatMessageMetadata } from "../server/chat/message-metadata";
import { textOf } from "../server/common/message-text";

export function toUiMessages(
  path: PathMessage[],
  ratings: Record<string, number>,
  modelNames: Map<string, string>,
  hideId?: string,
) {
  return path
    .filter((m) => m.id !== hideId)
    .map((m) => ({
      id: m.id,
      role: m.role,
      parts: m.parts as { type: "text"; text: string }[],
      metadata: {
        modelId: m.modelId,
        modelName: m.modelId ? (modelNames.get(m.modelId) ?? m.modelId) : undefined,
        siblingIds: m.siblingIds,
        siblingIndex: m.siblingIndex,
        rating: ratings[m.id],
        completionTokens: m.completionTokens,
        timeToFirstTokenMs: m.timeToFirstTokenMs,
        durationMs: m.durationMs,
        ...(m.status && m.status !== "completed" && { status: m.status }),
      } satisfies ChatMessageMetadata,
    }));
}

export function conversationAsMarkdown(
  title: string,
  messages: { role: string; parts: unknown[]; modelId?: string | null }[],
) {
  const lines = [`# ${title}`, ""];
  for (const m of messages) {
    const text = textOf(m.parts);
    const who =
      m.role === "user" ? "You" : m.role === "assistant" ? `Assistant${m.modelId ? ` (${m.modelId})` : ""}` : "System";
    lines.push(`## ${who}`, "", text, "");
  }
  return lines.join("\n");
}
