// The mark under an answer that did not end on its own: stopped (by the user, or cut by a
// shutdown), interrupted (the server went away while writing it), or failed. The text above it
// is what was written until then.
const MARKS: Record<string, { label: string; title: string }> = {
  stopped: { label: "Stopped", title: "This answer was stopped before it was finished." },
  interrupted: { label: "Interrupted", title: "The server stopped while this answer was being written." },
  failed: { label: "Failed", title: "The model failed while writing this answer." },
};

export function AnswerEndMark({ status }: { status?: string }) {
  const mark = status ? MARKS[status] : undefined;
  if (!mark) return null;
  return (
    <span
      title={mark.title}
      className="rounded bg-amber-100 px-1.5 py-0.5 font-medium text-amber-800 dark:bg-amber-900/40 dark:text-amber-200"
    >
      {mark.label}
    </span>
  );
}
