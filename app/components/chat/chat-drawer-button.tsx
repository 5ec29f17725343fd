// On a phone the conversation list is a drawer: this opens it (wide screens show the list beside).
import { PanelLeft } from "lucide-react";

export function ChatDrawerButton({ open, onOpen }: { open: boolean; onOpen: () => void }) {
  return (
    <button
      type="button"
      onClick={onOpen}
      aria-expanded={open}
      aria-controls="chat-drawer"
      className="mb-3 flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 md:hidden dark:border-slate-700 dark:hover:bg-slate-800"
    >
      <PanelLeft aria-hidden="true" className="size-4" />
      Chats
    </button>
  );
}
