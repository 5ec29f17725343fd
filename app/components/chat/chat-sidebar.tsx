// The conversation list: new chat, search over titles and contents (Ctrl/Cmd+K), newest first.
import { NavLink } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

interface ChatSummary {
  id: string;
  title: string;
  updatedAt: string;
}

export function ChatSidebar({ chats }: { chats: ChatSummary[] }) {
  const [results, setResults] = useState<ChatSummary[]>([]);
  const [query, setQuery] = useState("");
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

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
    <aside aria-label="Conversations" className="w-full shrink-0 md:w-64">
      <NavLink
        to="/chat"
        end
        className="mb-3 block rounded-md border border-slate-300 px-3 py-2 text-center text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
      >
        + New chat
      </NavLink>
      <label htmlFor="chat-search" className="sr-only">
        Search conversations
      </label>
      <input
        id="chat-search"
        ref={input}
        type="search"
        placeholder="Search (Ctrl+K)"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        className="mb-3 w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
      />
      <ul className="max-h-48 space-y-1 overflow-y-auto md:max-h-[70vh]">
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
  );
}
