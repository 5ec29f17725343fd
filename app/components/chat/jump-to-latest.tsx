// Shown when the reader has scrolled up from the newest message: one press goes back down and
// follows the answer again.
import { ArrowDown } from "lucide-react";

export function JumpToLatest({ onJump }: { onJump: () => void }) {
  return (
    <button
      type="button"
      onClick={onJump}
      className="absolute -top-12 left-1/2 flex -translate-x-1/2 items-center gap-1 rounded-full border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-md hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800"
    >
      <ArrowDown aria-hidden="true" className="size-4" />
      Jump to latest
    </button>
  );
}
