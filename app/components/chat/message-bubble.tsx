// One message with its footer: versions, the model and its speed, copy, edit, regenerate, rating.
import { Pencil, RefreshCw } from "lucide-react";
import { Markdown } from "~/components/markdown";
import { Button, CopyButton } from "~/components/ui";
import { textOf } from "../../../server/common/message-text";
import { AnswerEndMark } from "./answer-end-mark";
import type { ChatMessage } from "./chat-message";
import { EmptyAnswer } from "./empty-answer";
import { MessageRating } from "./message-rating";
import { VersionSwitcher } from "./version-switcher";

export function MessageBubble(props: {
  chatId: string;
  message: ChatMessage;
  streaming: boolean;
  canRegenerate: boolean;
  canEdit: boolean;
  onEdit: () => void;
  onRegenerate: () => void;
  rateable?: boolean;
}) {
  const { message, chatId } = props;
  const meta = message.metadata;
  const text = textOf(message.parts);
  const isUser = message.role === "user";

  return (
    <article
      aria-label={isUser ? "Your message" : "Assistant message"}
      className={`rounded-lg px-4 py-3 [overflow-wrap:anywhere] ${isUser ? "bg-brand-600 text-white" : "border border-slate-200 dark:border-slate-800"}`}
    >
      {isUser ? (
        <p className="whitespace-pre-wrap">{text}</p>
      ) : text || props.streaming ? (
        <Markdown text={text || "…"} />
      ) : (
        <EmptyAnswer status={meta?.status} />
      )}
      <footer
        className={`mt-2 flex flex-wrap items-center gap-2 text-xs ${isUser ? "text-white/80" : "text-slate-500"}`}
      >
        <VersionSwitcher chatId={chatId} siblings={meta?.siblingIds ?? []} index={meta?.siblingIndex ?? 0} />
        {!isUser && !props.streaming && <AnswerEndMark status={meta?.status} />}
        {!isUser && meta?.modelName && <span title="Model that answered">{meta.modelName}</span>}
        {!isUser && meta?.completionTokens != null && !props.streaming && (
          <span>
            {meta.completionTokens} tokens
            {meta.timeToFirstTokenMs != null && ` · first token ${meta.timeToFirstTokenMs} ms`}
            {meta.durationMs ? ` · ${((meta.completionTokens / meta.durationMs) * 1000).toFixed(1)} tok/s` : ""}
          </span>
        )}
        {!props.streaming && text && (
          // On the brand-coloured bubble the copy button takes the bubble's white text.
          <CopyButton text={text} className={isUser ? "text-white hover:bg-white/15" : undefined} />
        )}
        {props.canEdit && (
          // On the brand-coloured bubble: a darker tint than the ghost button's.
          <button
            type="button"
            onClick={props.onEdit}
            className="inline-flex items-center gap-1 rounded px-2 py-0.5 text-white hover:bg-white/15"
          >
            <Pencil aria-hidden="true" className="size-3.5" />
            Edit
          </button>
        )}
        {props.canRegenerate && (
          <Button
            type="button"
            variant="ghost"
            size="sm"
            onClick={props.onRegenerate}
            className="inline-flex items-center gap-1"
          >
            <RefreshCw aria-hidden="true" className="size-3.5" />
            Regenerate
          </Button>
        )}
        {!isUser && !props.streaming && props.rateable !== false && (
          <MessageRating chatId={chatId} messageId={message.id} rating={meta?.rating} />
        )}
      </footer>
    </article>
  );
}
