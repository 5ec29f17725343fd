// A shared conversation as its visitors see it: the messages of the snapshot, read-only (no
// composer, no rating, no edit), under a banner that says whose view this is not.
import { Link2 } from "lucide-react";
import { Markdown } from "~/components/markdown";
import { formatUtc } from "~/components/ui";
import { textOf } from "../../../server/common/message-text";
import type { SharedMessage } from "../../../db/schema";

export function SharedConversation({
  title,
  messages,
  createdAt,
}: {
  title: string;
  messages: SharedMessage[];
  createdAt: string;
}) {
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <p
        role="note"
        className="flex items-center gap-2 rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700 dark:bg-slate-900 dark:text-slate-300"
      >
        <Link2 aria-hidden="true" className="size-4 shrink-0" />
        <span>
          Shared conversation, read-only: a snapshot taken {formatUtc(createdAt)}. Later messages are not shown.
        </span>
      </p>
      <h1 className="text-xl font-semibold [overflow-wrap:anywhere]">{title}</h1>
      {messages.map((message, i) => {
        const text = textOf(message.parts);
        const isUser = message.role === "user";
        return (
          <article
            key={i}
            aria-label={isUser ? "User message" : "Assistant message"}
            className={`rounded-lg px-4 py-3 [overflow-wrap:anywhere] ${isUser ? "bg-brand-600 text-white" : "border border-slate-200 dark:border-slate-800"}`}
          >
            {isUser ? (
              <p className="whitespace-pre-wrap">{text}</p>
            ) : text ? (
              <Markdown text={text} />
            ) : (
              <p className="text-sm text-slate-500 italic dark:text-slate-400">This answer was empty.</p>
            )}
            {!isUser && message.model && (
              <footer className="mt-2 text-xs text-slate-500" title="Model that answered">
                {message.model}
              </footer>
            )}
          </article>
        );
      })}
    </div>
  );
}
