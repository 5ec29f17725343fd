// One conversation on the AI SDK's useChat: sending, editing (a new sibling of the edited
// message), regenerating, stopping. The answer itself is generated on the server and outlives the
// page: on mount the page reattaches (resume), and Stop asks the server to stop it.
import { useChat } from "@ai-sdk/react";
import { useLocation, useNavigate, useRevalidator } from "@remix-run/react";
import { DefaultChatTransport } from "ai";
import { useEffect, useMemo, useRef } from "react";
import { textOf } from "../../server/common/message-text";
import type { ChatData, ChatMessage } from "~/components/chat/chat-message";

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

export function useConversation(chat: ChatData, modelId: string | undefined) {
  const location = useLocation();
  const navigate = useNavigate();
  const revalidator = useRevalidator();

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
                last?.role === "user" && { message: { id: last.id, text: textOf(last.parts) } }),
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
    // No scroll reset: the page is following the answer to this message (useStickToBottom).
    navigate(location.pathname, { replace: true, state: null, preventScrollReset: true });
    void sendMessage({ text: pending }, { body: { parentId: null, modelId } });
  }, [pending, navigate, location.pathname, sendMessage, modelId]);

  function send(text: string) {
    clearError();
    void sendMessage({ text }, { body: { parentId: messages.at(-1)?.id ?? null, modelId } });
  }

  /** Edit = a new sibling of the edited message: the old branch stays reachable. */
  function resend(index: number, text: string) {
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

  return { messages, status, busy, error, clearError, send, resend, regenerateAnswer, stopGenerating };
}
