// Says, on a temporary chat's page, what becomes of it (decision 028).
import { EyeOff } from "lucide-react";
import { alertClass } from "~/components/ui";

export function TemporaryChatBanner() {
  return (
    <div role="note" aria-label="Temporary chat" className={`${alertClass("info")} flex items-start gap-2`}>
      <EyeOff aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <p>
        <strong>Temporary chat.</strong> It is not kept: not in your chat list or search, not exported, answers are not
        rated. It is deleted when you leave this page for another in Loom, or one hour after its last message.
      </p>
    </div>
  );
}
