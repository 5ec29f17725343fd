// One conversation: messages (the visible branch), the composer, and every action on a message.
// Streaming is the AI SDK's useChat; the answer itself is generated on the server and outlives this
// page: on mount the page reattaches (resume), and Stop asks the server to stop it.
import { useChat } from "@ai-sdk/react";
import { useFetcher, useLocation, useNavigate, useRevalidator } from "@remix-run/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ChatMessageMetadata } from "~/chat.server";
import type { AssignedModel } from "../../server/registry/registry";
import { INPUT_LIMITS } from "../../server/tasks/limits";
import { Markdown } from "./markdown";
import { Alert, Button, CopyButton, Select } from "./ui";

type ChatMessage = UIMessage<ChatMessageMetadata>;

interface ChatData {
  id: string;
  title: string;
  messages: ChatMessage[];
  generating: boolean;
}

const textOf = (m: ChatMessage) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");

/** The API answers errors as JSON `{ error }`; useChat hands us the raw body as the message. */
export function readableError(error: Error | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const parsed = JSON.parse(error.message) as { error?: string };
    if (parsed.error) return parsed.error;
  } catch {
    // not JSON: the message is already text
  }
  return error.message || "Something went wrong.";
}

export function ChatView({ chat, models }: { chat: ChatData; models: AssignedModel[] }) {
  const location = useLocation();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const [modelId, setModelId] = useState(
    (location.state as { modelId?: string } | null)?.modelId ?? models.find((m) => m.isDefault)?.id,
  );
  const [editing, setEditing] = useState<string>();

  const transport = useMemo(
    () =>
      new DefaultChatTransport<ChatMessage>({
        api: "/api/chat",
        prepareSendMessagesRequest: ({ id, messages, trigger, body }) => {
          const last = messages.at(-1);
          return {
            body: {
              chatId: id,
              parentId: (body as { parentId?: string | null } | undefined)?.parentId ?? null,
              modelId: (body as { modelId?: string } | undefined)?.modelId,
              ...(trigger === "submit-message" &&
                last?.role === "user" && { message: { id: last.id, text: textOf(last) } }),
            },
          };
        },
      }),
    [],
  );

  const { messages, sendMessage, regenerate, setMessages, status, stop, error, clearError } = useChat<ChatMessage>({
    id: chat.id,
    messages: chat.messages,
    transport,
    generateId: () => crypto.randomUUID(),
    // Reattach to an answer still being written (after a reload, or from another tab).
    resume: chat.generating,
    onFinish: () => revalidator.revalidate(),
  });
  const busy = status === "submitted" || status === "streaming";

  // When the server's view changes (branch switch, finished answer) and nothing streams, show it.
  useEffect(() => {
    if (!busy) setMessages(chat.messages);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the loader's data changes
  }, [chat.messages]);

  // A message typed on /chat before this conversation existed.
  const pending = (location.state as { pendingMessage?: string } | null)?.pendingMessage;
  const sentPending = useRef(false);
  useEffect(() => {
    if (!pending || sentPending.current) return;
    sentPending.current = true;
    navigate(location.pathname, { replace: true, state: null });
    void sendMessage({ text: pending }, { body: { parentId: null, modelId } });
  }, [pending, navigate, location.pathname, sendMessage, modelId]);

  function send(text: string) {
    clearError();
    void sendMessage({ text }, { body: { parentId: messages.at(-1)?.id ?? null, modelId } });
  }

  /** Edit = a new sibling of the edited message: the old branch stays reachable. */
  function resend(index: number, text: string) {
    setEditing(undefined);
    clearError();
    const parentId = messages[index - 1]?.id ?? null;
    setMessages(messages.slice(0, index));
    void sendMessage({ text }, { body: { parentId, modelId } });
  }

  /** Regenerate = a new sibling answer to the same question (useChat drops the old one from view). */
  function regenerateAnswer(index: number) {
    clearError();
    const parentId = messages[index - 1]?.id ?? null;
    void regenerate({ messageId: messages[index]!.id, body: { parentId, modelId } });
  }

  async function stopGenerating() {
    await fetch(`/api/chat/${chat.id}/stop`, { method: "POST" });
    await stop();
    revalidator.revalidate();
  }

  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");

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
        <ChatMenu chatId={chat.id} title={chat.title} />
      </header>

      <ol className="flex flex-1 flex-col gap-4" aria-live="polite">
        {messages.map((m, i) => (
          <li
            key={m.id}
            className={m.role === "user" ? "self-end md:max-w-[80%]" : "md:max-w-[90%]"}
            data-role={m.role}
          >
            {editing === m.id ? (
              <EditBox initial={textOf(m)} onCancel={() => setEditing(undefined)} onSave={(text) => resend(i, text)} />
            ) : (
              <MessageBubble
                chatId={chat.id}
                message={m}
                streaming={busy && i === messages.length - 1 && m.role === "assistant"}
                canRegenerate={!busy && i === lastAssistant}
                canEdit={!busy && m.role === "user"}
                onEdit={() => setEditing(m.id)}
                onRegenerate={() => regenerateAnswer(i)}
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

      {error && (
        <Alert>
          {readableError(error)}{" "}
          <button type="button" className="underline" onClick={() => clearError()}>
            Dismiss
          </button>
        </Alert>
      )}
      <Composer disabled={models.length === 0} busy={busy} onSend={send} onStop={() => void stopGenerating()} />
    </section>
  );
}

function MessageBubble(props: {
  chatId: string;
  message: ChatMessage;
  streaming: boolean;
  canRegenerate: boolean;
  canEdit: boolean;
  onEdit: () => void;
  onRegenerate: () => void;
}) {
  const { message, chatId } = props;
  const meta = message.metadata;
  const text = textOf(message);
  const branch = useFetcher();
  const rate = useFetcher();
  const siblings = meta?.siblingIds ?? [];
  const index = meta?.siblingIndex ?? 0;
  const rating = rate.formData ? Number(rate.formData.get("rating")) : meta?.rating;
  const isUser = message.role === "user";

  return (
    <article
      aria-label={isUser ? "Your message" : "Assistant message"}
      className={`rounded-lg px-4 py-3 ${isUser ? "bg-brand-600 text-white" : "border border-slate-200 dark:border-slate-800"}`}
    >
      {isUser ? (
        <p className="whitespace-pre-wrap">{text}</p>
      ) : (
        <Markdown text={text || (props.streaming ? "…" : "")} />
      )}
      <footer
        className={`mt-2 flex flex-wrap items-center gap-2 text-xs ${isUser ? "text-white/80" : "text-slate-500"}`}
      >
        {siblings.length > 1 && (
          <nav aria-label="Versions" className="flex items-center gap-1">
            <branch.Form method="post" action={`/chat/${chatId}`}>
              <input type="hidden" name="intent" value="branch" />
              <input type="hidden" name="messageId" value={siblings[index - 1] ?? ""} />
              <button
                type="submit"
                disabled={index === 0}
                aria-label="Previous version"
                className="px-1 disabled:opacity-40"
              >
                ‹
              </button>
            </branch.Form>
            <span>
              {index + 1}/{siblings.length}
            </span>
            <branch.Form method="post" action={`/chat/${chatId}`}>
              <input type="hidden" name="intent" value="branch" />
              <input type="hidden" name="messageId" value={siblings[index + 1] ?? ""} />
              <button
                type="submit"
                disabled={index >= siblings.length - 1}
                aria-label="Next version"
                className="px-1 disabled:opacity-40"
              >
                ›
              </button>
            </branch.Form>
          </nav>
        )}
        {!isUser && meta?.modelName && <span title="Model that answered">{meta.modelName}</span>}
        {!isUser && meta?.completionTokens != null && !props.streaming && (
          <span>
            {meta.completionTokens} tokens
            {meta.timeToFirstTokenMs != null && ` · first token ${meta.timeToFirstTokenMs} ms`}
            {meta.durationMs ? ` · ${((meta.completionTokens / meta.durationMs) * 1000).toFixed(1)} tok/s` : ""}
          </span>
        )}
        {!props.streaming && text && <CopyButton text={text} />}
        {props.canEdit && (
          <button type="button" onClick={props.onEdit} className="rounded px-2 py-0.5 hover:bg-black/10">
            Edit
          </button>
        )}
        {props.canRegenerate && (
          <button
            type="button"
            onClick={props.onRegenerate}
            className="rounded px-2 py-0.5 hover:bg-slate-200 dark:hover:bg-slate-700"
          >
            Regenerate
          </button>
        )}
        {!isUser && !props.streaming && (
          <rate.Form method="post" action={`/chat/${chatId}`} className="flex gap-1">
            <input type="hidden" name="intent" value="feedback" />
            <input type="hidden" name="messageId" value={message.id} />
            <button
              type="submit"
              name="rating"
              value={rating === 1 ? "0" : "1"}
              aria-label="Good answer"
              aria-pressed={rating === 1}
              className={`rounded px-1.5 ${rating === 1 ? "bg-green-100 dark:bg-green-900" : ""}`}
            >
              👍
            </button>
            <button
              type="submit"
              name="rating"
              value={rating === -1 ? "0" : "-1"}
              aria-label="Bad answer"
              aria-pressed={rating === -1}
              className={`rounded px-1.5 ${rating === -1 ? "bg-red-100 dark:bg-red-900" : ""}`}
            >
              👎
            </button>
          </rate.Form>
        )}
      </footer>
    </article>
  );
}

function EditBox({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  return (
    <form
      className="flex flex-col gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onSave(text.trim());
      }}
    >
      <label className="sr-only" htmlFor="edit-message">
        Edit message
      </label>
      <textarea
        id="edit-message"
        className="min-h-24 w-full rounded-md border border-slate-300 bg-white p-2 text-sm dark:border-slate-700 dark:bg-slate-900"
        value={text}
        maxLength={INPUT_LIMITS.chatMessage}
        onChange={(e) => setText(e.target.value)}
        autoFocus
      />
      <div className="flex gap-2 self-end">
        <button type="button" onClick={onCancel} className="rounded px-3 py-1 text-sm">
          Cancel
        </button>
        <Button type="submit">Save & send</Button>
      </div>
    </form>
  );
}

export function Composer({
  disabled,
  busy,
  onSend,
  onStop,
}: {
  disabled: boolean;
  busy: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}) {
  const [text, setText] = useState("");
  const tooLong = text.length > INPUT_LIMITS.chatMessage;
  function submit() {
    if (disabled || busy || tooLong || !text.trim()) return;
    onSend(text.trim());
    setText("");
  }
  return (
    <form
      className="sticky bottom-0 flex flex-col gap-2 bg-white pt-2 dark:bg-slate-950"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor="chat-input" className="sr-only">
        Message
      </label>
      <textarea
        id="chat-input"
        name="message"
        rows={3}
        placeholder={
          disabled ? "No model is assigned to Chat yet." : "Ask anything… (Enter to send, Shift+Enter for a new line)"
        }
        disabled={disabled}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (!e.shiftKey || e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            submit();
          }
        }}
        className="w-full rounded-md border border-slate-300 bg-white p-3 text-sm shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500 focus:outline-none dark:border-slate-700 dark:bg-slate-900"
      />
      <div className="flex items-center gap-3">
        <span className={`text-xs ${tooLong ? "text-red-600" : "text-slate-500"}`} aria-live="polite">
          {tooLong
            ? `Messages are limited to ${INPUT_LIMITS.chatMessage.toLocaleString("en")} characters.`
            : `${text.length.toLocaleString("en")} / ${INPUT_LIMITS.chatMessage.toLocaleString("en")}`}
        </span>
        <div className="ml-auto flex gap-2">
          {busy ? (
            // Distinct keys: React must not reuse the Stop button as the submit button (a click
            // on Stop would then submit the form once it re-renders).
            <Button key="stop" type="button" variant="neutral" onClick={onStop}>
              Stop
            </Button>
          ) : (
            <Button key="send" type="submit" disabled={disabled || tooLong || !text.trim()}>
              Send
            </Button>
          )}
        </div>
      </div>
    </form>
  );
}

function ChatMenu({ chatId, title }: { chatId: string; title: string }) {
  const fetcher = useFetcher();
  const [renaming, setRenaming] = useState(false);
  if (renaming) {
    return (
      <fetcher.Form method="post" action={`/chat/${chatId}`} className="flex gap-2" onSubmit={() => setRenaming(false)}>
        <input type="hidden" name="intent" value="rename" />
        <label htmlFor="chat-title" className="sr-only">
          Title
        </label>
        <input
          id="chat-title"
          name="title"
          defaultValue={title}
          maxLength={200}
          autoFocus
          className="rounded-md border border-slate-300 px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
        />
        <Button type="submit">Save</Button>
      </fetcher.Form>
    );
  }
  return (
    <div className="flex flex-wrap gap-2 text-sm">
      <button
        type="button"
        onClick={() => setRenaming(true)}
        className="rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800"
      >
        Rename
      </button>
      <a
        href={`/chat/${chatId}/export?format=md`}
        className="rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800"
        download
      >
        Export .md
      </a>
      <a
        href={`/chat/${chatId}/export?format=json`}
        className="rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800"
        download
      >
        Export .json
      </a>
      <fetcher.Form
        method="post"
        action={`/chat/${chatId}`}
        onSubmit={(e) => {
          if (!confirm("Delete this conversation? This cannot be undone.")) e.preventDefault();
        }}
      >
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="rounded px-2 py-1 text-red-600 hover:bg-red-50 dark:hover:bg-red-950">
          Delete
        </button>
      </fetcher.Form>
    </div>
  );
}
