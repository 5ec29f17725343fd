// The conversation list: new chat, search over titles and contents (Ctrl/Cmd+K), newest first.
// Beside the conversation on wide screens; on a phone a drawer over it (ChatDrawerButton opens it).
import { NavLink } from "@remix-run/react";
import { Plus, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { useFinePointer } from "~/hooks/use-fine-pointer";

interface ChatSummary {
  id: string;
  title: string;
  updatedAt: string;
}

export function ChatSidebar({
  chats,
  open,
  onClose,
}: {
  chats: ChatSummary[];
  /** The phone drawer is open (wide screens always show the list). */
  open: boolean;
  onClose: () => void;
}) {
  const keyboard = useFinePointer();
  const [results, setResults] = useState<ChatSummary[]>([]);
  const [query, setQuery] = useState("");
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        input.current?.focus();
      }
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // A plain fetch, not a fetcher: /api/chats is a JSON API, not a route the page renders.
  useEffect(() => {
    const q = query.trim();
    if (!q) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetch(`/api/chats?q=${encodeURIComponent(q)}`, { signal: controller.signal })
        .then((r) => (r.ok ? (r.json() as Promise<{ chats: ChatSummary[] }>) : { chats: [] }))
        .then((data) => setResults(data.chats))
        .catch(() => {});
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  const shown = query.trim() ? results : chats;
  return (
    <>
      {open && <div aria-hidden="true" className="fixed inset-0 z-30 bg-black/40 md:hidden" onClick={onClose} />}
      <aside
        id="chat-drawer"
        aria-label="Conversations"
        className={`${open ? "block" : "hidden"} fixed inset-y-0 left-0 z-40 w-80 max-w-[85vw] overflow-y-auto bg-white p-4 shadow-xl md:static md:z-auto md:block md:w-64 md:max-w-none md:shrink-0 md:overflow-visible md:bg-transparent md:p-0 md:shadow-none dark:bg-slate-950 md:dark:bg-transparent`}
        onClick={(e) => {
          // Choosing a conversation (or New chat) closes the drawer.
          if ((e.target as HTMLElement).closest("a")) onClose();
        }}
      >
        <div className="mb-3 flex items-center gap-2">
          <NavLink
            to="/chat"
            end
            className="flex flex-1 items-center justify-center gap-1 rounded-md border border-slate-300 px-3 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
          >
            <Plus aria-hidden="true" className="size-4" />
            New chat
          </NavLink>
          <button
            type="button"
            onClick={onClose}
            aria-label="Close conversations"
            className="rounded-md p-2 hover:bg-slate-100 md:hidden dark:hover:bg-slate-800"
          >
            <X aria-hidden="true" className="size-4" />
          </button>
        </div>
        <label htmlFor="chat-search" className="sr-only">
          Search conversations
        </label>
        <input
          id="chat-search"
          ref={input}
          type="search"
          placeholder={keyboard ? "Search (Ctrl+K)" : "Search"}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          className="mb-3 w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
        />
        <ul className="space-y-1 md:max-h-[70vh] md:overflow-y-auto">
          {shown.map((c) => (
            <li key={c.id}>
              <NavLink
                to={`/chat/${c.id}`}
                className={({ isActive }) =>
                  `block truncate rounded-md px-3 py-1.5 text-sm ${isActive ? "bg-slate-200 dark:bg-slate-800" : "hover:bg-slate-100 dark:hover:bg-slate-900"}`
                }
              >
                {c.title}
              </NavLink>
            </li>
          ))}
          {shown.length === 0 && (
            <li className="px-3 py-1.5 text-sm text-slate-500">
              {query.trim() ? "No conversation matches." : "No conversations yet."}
            </li>
          )}
        </ul>
      </aside>
    </>
  );
}
