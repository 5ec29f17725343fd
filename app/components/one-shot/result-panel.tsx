import { useId } from "react";
import { Spinner } from "~/components/ui";

/** The bordered box a result lives in, with a heading and actions (copy, export…). */
export function ResultPanel({
  title,
  actions,
  children,
  footer,
  busy,
}: {
  title: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
  footer?: React.ReactNode;
  busy?: boolean;
}) {
  const id = useId();
  return (
    <section
      aria-labelledby={id}
      aria-busy={busy || undefined}
      className="rounded-lg border border-slate-200 bg-slate-50/60 dark:border-slate-800 dark:bg-slate-900/40"
    >
      <header className="flex min-h-10 items-center gap-2 border-b border-slate-200 px-4 py-1.5 dark:border-slate-800">
        <h2 id={id} className="flex items-center gap-2 text-sm font-semibold">
          {title}
          {busy && <Spinner className="text-brand-600 dark:text-brand-500" />}
        </h2>
        <div className="ml-auto flex items-center gap-1">{actions}</div>
      </header>
      <div className="px-4 py-3">{children}</div>
      {footer && <footer className="border-t border-slate-200 px-4 py-2 dark:border-slate-800">{footer}</footer>}
    </section>
  );
}
