// The conversation's own actions: rename (inline), share (read-only links), export (the branch on screen as Markdown or
// JSON, or every branch as JSON), delete.
import { Link, useFetcher } from "@remix-run/react";
import { useState } from "react";
import { Button, buttonClass } from "~/components/ui";

/** `temporary`: no export (a temporary chat is not kept, decision 028). */
export function ChatMenu({ chatId, title, temporary = false }: { chatId: string; title: string; temporary?: boolean }) {
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
      <Button type="button" variant="ghost" onClick={() => setRenaming(true)}>
        Rename
      </Button>
      {!temporary && (
        <Link to={`/chat/${chatId}/share`} className={buttonClass("ghost")}>
          Share
        </Link>
      )}
      {!temporary && <ExportLinks chatId={chatId} />}
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

function ExportLinks({ chatId }: { chatId: string }) {
  return (
    <>
      <a
        href={`/chat/${chatId}/export?format=md`}
        className={buttonClass("ghost")}
        title="The branch on screen"
        download
      >
        Export .md
      </a>
      <a
        href={`/chat/${chatId}/export?format=json`}
        className={buttonClass("ghost")}
        title="The branch on screen"
        download
      >
        Export .json
      </a>
      <a
        href={`/chat/${chatId}/export?format=json&scope=tree`}
        className={buttonClass("ghost")}
        title="Every branch: edits and regenerated answers included"
        download
      >
        Export all branches .json
      </a>
    </>
  );
}
