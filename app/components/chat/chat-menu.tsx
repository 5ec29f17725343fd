// The conversation's own actions: rename (inline), share (read-only links), export (the branch on screen as Markdown or
// JSON, or every branch as JSON), delete.
import { Link, useFetcher } from "@remix-run/react";
import { FileJson, FileText, FolderTree, Pencil, Share2, Trash2, type LucideIcon } from "lucide-react";
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
    <div className="flex flex-wrap gap-1 text-sm md:gap-2">
      <Button type="button" variant="ghost" onClick={() => setRenaming(true)} aria-label="Rename" title="Rename">
        <ActionLabel icon={Pencil} label="Rename" />
      </Button>
      {!temporary && (
        <Link to={`/chat/${chatId}/share`} className={buttonClass("ghost")} aria-label="Share" title="Share">
          <ActionLabel icon={Share2} label="Share" />
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
        <button
          type="submit"
          aria-label="Delete"
          title="Delete"
          className="rounded px-2 py-1 text-red-600 hover:bg-red-50 dark:hover:bg-red-950"
        >
          <ActionLabel icon={Trash2} label="Delete" />
        </button>
      </fetcher.Form>
    </div>
  );
}

/**
 * An action's icon, with its words from the md breakpoint on: on a phone the six actions fit one
 * row above the conversation instead of two (the element's aria-label keeps its name).
 */
function ActionLabel({ icon: Icon, label }: { icon: LucideIcon; label: string }) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <Icon aria-hidden="true" className="size-4" />
      <span className="hidden md:inline">{label}</span>
    </span>
  );
}

function ExportLinks({ chatId }: { chatId: string }) {
  return (
    <>
      <a
        href={`/chat/${chatId}/export?format=md`}
        className={buttonClass("ghost")}
        title="The branch on screen"
        aria-label="Export .md"
        download
      >
        <ActionLabel icon={FileText} label="Export .md" />
      </a>
      <a
        href={`/chat/${chatId}/export?format=json`}
        className={buttonClass("ghost")}
        title="The branch on screen"
        aria-label="Export .json"
        download
      >
        <ActionLabel icon={FileJson} label="Export .json" />
      </a>
      <a
        href={`/chat/${chatId}/export?format=json&scope=tree`}
        className={buttonClass("ghost")}
        title="Every branch: edits and regenerated answers included"
        aria-label="Export all branches .json"
        download
      >
        <ActionLabel icon={FolderTree} label="Export all branches .json" />
      </a>
    </>
  );
}
