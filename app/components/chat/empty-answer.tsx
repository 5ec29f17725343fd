// An answer that ended with no text says why, instead of an empty box.
import { Info } from "lucide-react";

const REASONS: Record<string, string> = {
  stopped: "Stopped before the model wrote anything.",
  failed: "The answer failed before the model wrote anything.",
  interrupted: "The answer was interrupted (the server stopped) before the model wrote anything.",
};

/** The model ended its answer at once: its first token was its end-of-answer token. */
const ENDED_AT_ONCE =
  "The model ended its answer without writing anything. Small models do this with some inputs " +
  "(very long words, unusual text): try Regenerate, or rephrase the message.";

export function EmptyAnswer({ status }: { status: string | undefined }) {
  return (
    <p className="flex items-start gap-2 text-sm text-slate-600 italic dark:text-slate-400" role="note">
      <Info aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      {(status && REASONS[status]) ?? ENDED_AT_ONCE}
    </p>
  );
}
