// The messages of the visible branch, oldest first; one of them may be open for editing.
import type { ChatStatus } from "ai";
import { useState } from "react";
import { textOf } from "../../../server/common/message-text";
import type { ChatMessage } from "./chat-message";
import { EditBox } from "./edit-box";
import { MessageBubble } from "./message-bubble";

export function MessageList({
  chatId,
  messages,
  status,
  onResend,
  onRegenerate,
  rateable = true,
}: {
  chatId: string;
  /** False in a temporary chat: its answers are not rated (decision 028). */
  rateable?: boolean;
  messages: ChatMessage[];
  status: ChatStatus;
  /** Sends an edited message in place of the one at `index`. */
  onResend: (index: number, text: string) => void;
  onRegenerate: (index: number) => void;
}) {
  const [editing, setEditing] = useState<string>();
  const busy = status === "submitted" || status === "streaming";
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");

  return (
    <ol className="flex flex-1 flex-col gap-4" aria-live="polite">
      {messages.map((m, i) => (
        <li
          key={m.id}
          className={`min-w-0 max-w-full ${m.role === "user" ? "self-end md:max-w-[80%]" : "md:max-w-[90%]"}`}
          data-role={m.role}
        >
          {editing === m.id ? (
            <EditBox
              initial={textOf(m.parts)}
              onCancel={() => setEditing(undefined)}
              onSave={(text) => {
                setEditing(undefined);
                onResend(i, text);
              }}
            />
          ) : (
            <MessageBubble
              chatId={chatId}
              message={m}
              streaming={busy && i === messages.length - 1 && m.role === "assistant"}
              canRegenerate={!busy && i === lastAssistant}
              canEdit={!busy && m.role === "user"}
              onEdit={() => setEditing(m.id)}
              onRegenerate={() => onRegenerate(i)}
              rateable={rateable}
            />
          )}
        </li>
      ))}
      {status === "submitted" && (
        <li className="text-sm text-slate-500" role="status">
          Thinking…
        </li>
      )}
    </ol>
  );
}
