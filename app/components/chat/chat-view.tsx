// One conversation: its title and menu, the model picker, the messages of the visible branch, and
// the composer. The state and the actions are useConversation's; the page follows the newest
// message unless the reader scrolls up (useStickToBottom).
import { useLocation } from "@remix-run/react";
import { useRef, useState } from "react";
import type { AssignedModel } from "../../../server/registry/assignments";
import { Alert, Select } from "~/components/ui";
import { readableError, useConversation } from "~/hooks/use-conversation";
import { useDiscardOnLeave } from "~/hooks/use-discard-on-leave";
import { useStickToBottom } from "~/hooks/use-stick-to-bottom";
import { ChatMenu } from "./chat-menu";
import type { ChatData } from "./chat-message";
import { ChatSettingsPanel } from "./chat-settings-panel";
import { Composer } from "./composer";
import { JumpToLatest } from "./jump-to-latest";
import { MessageList } from "./message-list";
import { TemporaryChatBanner } from "./temporary-chat-banner";

export function ChatView({ chat, models }: { chat: ChatData; models: AssignedModel[] }) {
  const location = useLocation();
  const [modelId, setModelId] = useState(
    (location.state as { modelId?: string } | null)?.modelId ?? models.find((m) => m.isDefault)?.id,
  );
  const conversation = useConversation(chat, modelId);
  const { busy, error, clearError } = conversation;
  const content = useRef<HTMLDivElement>(null);
  const { away, jump } = useStickToBottom(content);
  const [settings, setSettings] = useState(chat.settings);
  // The stored max tokens was over the model's limit until the user saves (then it is the limit).
  const [maxTokensLimit, setMaxTokensLimit] = useState(chat.maxTokensLimit);
  // Recomputed by the server on each save: the system prompt and max tokens change it.
  const [inputLimit, setInputLimit] = useState(chat.inputLimit);
  useDiscardOnLeave(chat.id, chat.temporary);

  return (
    <section aria-label="Conversation" className="flex min-h-[60vh] flex-col gap-4">
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 flex-1 truncate text-xl font-semibold">{chat.title}</h1>
        {models.length > 1 && (
          <div className="w-56">
            <Select
              label="Model"
              value={modelId}
              onChange={(e) => setModelId(e.target.value)}
              options={models.map((m) => ({ value: m.id, label: m.displayName }))}
            />
          </div>
        )}
        <ChatMenu chatId={chat.id} title={chat.title} temporary={chat.temporary} />
        <ChatSettingsPanel
          chatId={chat.id}
          modelId={modelId}
          settings={settings}
          maxTokensLimit={maxTokensLimit}
          onSaved={(saved, limit) => {
            setSettings(saved);
            setMaxTokensLimit(undefined);
            setInputLimit(limit);
          }}
        />
      </header>
      {chat.temporary && <TemporaryChatBanner />}

      <div ref={content} className="flex min-w-0 flex-1 flex-col">
        <MessageList
          chatId={chat.id}
          messages={conversation.messages}
          status={conversation.status}
          onResend={conversation.resend}
          onRegenerate={conversation.regenerateAnswer}
          rateable={!chat.temporary}
        />
      </div>

      {error && (
        <Alert>
          {readableError(error)}{" "}
          <button type="button" className="underline" onClick={() => clearError()}>
            Dismiss
          </button>
        </Alert>
      )}
      <div className="sticky bottom-0 z-10">
        {away && <JumpToLatest onJump={jump} />}
        <Composer
          limit={inputLimit}
          disabled={models.length === 0}
          busy={busy}
          onSend={(text) => {
            // Sending is asking for the answer: follow it, wherever the reader was.
            jump();
            return conversation.send(text);
          }}
          onStop={() => void conversation.stopGenerating()}
        />
      </div>
    </section>
  );
}
