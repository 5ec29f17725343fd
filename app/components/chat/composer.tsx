// The message box under a conversation (and on /chat, before there is one): Enter sends,
// Shift+Enter is a new line; while an answer is written, Send becomes Stop. A send that reports
// it was refused gives the text back to the box.
import { useRouteLoaderData } from "@remix-run/react";
import { useState } from "react";
import type { ChatInputLimit } from "../../../server/apps/chat";
import { INPUT_LIMITS } from "../../../server/apps/limits";
import { Button, formatCount } from "~/components/ui";
import { useFinePointer } from "~/hooks/use-fine-pointer";
import type { loader as chatLayoutLoader } from "~/routes/chat";

/**
 * The most one message may be: the server's measure for this chat (its system prompt and max
 * tokens taken out of the model's context, decision 035), else the chat layout's for a new chat
 * (the user's defaults), in characters as a rough measure of its tokens, and the character
 * limit. The server counts tokens.
 */
function useMessageLimit(chatLimit: ChatInputLimit | null | undefined) {
  const layoutLimit = useRouteLoaderData<typeof chatLayoutLoader>("routes/chat")?.inputLimit;
  const limit = chatLimit === undefined ? layoutLimit : chatLimit;
  const chars = Math.min(limit?.chars ?? INPUT_LIMITS.chatMessage, INPUT_LIMITS.chatMessage);
  const message =
    limit && limit.chars < INPUT_LIMITS.chatMessage
      ? `The model reads about ${formatCount(chars)} characters (${formatCount(limit.tokens)} tokens) per message in this chat.`
      : `Messages are limited to ${formatCount(chars)} characters.`;
  return { chars, message };
}

export function Composer({
  limit: chatLimit,
  disabled,
  busy,
  onSend,
  onStop,
}: {
  /** This chat's limit (the chat page); undefined on /chat, where the layout's applies. */
  limit?: ChatInputLimit | null;
  disabled: boolean;
  busy: boolean;
  /** `false` (now or later): refused, the text comes back to the box unless something new was typed. */
  onSend: (text: string) => void | Promise<boolean>;
  onStop: () => void;
}) {
  const [text, setText] = useState("");
  const limit = useMessageLimit(chatLimit);
  const tooLong = text.length > limit.chars;
  // Key hints only where there is a keyboard to press them on.
  const keyboard = useFinePointer();
  function submit() {
    if (disabled || busy || tooLong || !text.trim()) return;
    const sent = text.trim();
    setText("");
    void Promise.resolve(onSend(sent)).then((accepted) => {
      if (accepted === false) setText((typed) => typed || sent);
    });
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
          disabled
            ? "No model is assigned to Chat yet."
            : `Ask anything…${keyboard ? " (Enter to send, Shift+Enter for a new line)" : ""}`
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
        <span
          data-testid="message-limit"
          className={`text-xs ${tooLong ? "text-red-600 dark:text-red-400" : "text-slate-500"}`}
          aria-live="polite"
        >
          {tooLong ? `Too long. ${limit.message}` : `${formatCount(text.length)} / ${formatCount(limit.chars)}`}
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
