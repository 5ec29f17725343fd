// < 2/3 >: the versions of a message (its siblings: edits, regenerated answers); choosing one
// makes its branch the visible one (the chat route's "branch" action).
import { useFetcher } from "@remix-run/react";
import { ChevronLeft, ChevronRight } from "lucide-react";

export function VersionSwitcher({ chatId, siblings, index }: { chatId: string; siblings: string[]; index: number }) {
  const branch = useFetcher();
  if (siblings.length <= 1) return null;
  return (
    <nav aria-label="Versions" className="flex items-center gap-1">
      <branch.Form method="post" action={`/chat/${chatId}`}>
        <input type="hidden" name="intent" value="branch" />
        <input type="hidden" name="messageId" value={siblings[index - 1] ?? ""} />
        <button type="submit" disabled={index === 0} aria-label="Previous version" className="px-1 disabled:opacity-40">
          <ChevronLeft aria-hidden="true" className="size-4" />
        </button>
      </branch.Form>
      <span>
        {index + 1}/{siblings.length}
      </span>
      <branch.Form method="post" action={`/chat/${chatId}`}>
        <input type="hidden" name="intent" value="branch" />
        <input type="hidden" name="messageId" value={siblings[index + 1] ?? ""} />
        <button
          type="submit"
          disabled={index >= siblings.length - 1}
          aria-label="Next version"
          className="px-1 disabled:opacity-40"
        >
          <ChevronRight aria-hidden="true" className="size-4" />
        </button>
      </branch.Form>
    </nav>
  );
}
