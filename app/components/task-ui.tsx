// Pieces the one-shot application pages (summarise, translate, code, sentiment) share: the input
// with its live character limit, the error banner with Retry, run statistics, the result panel,
// and the model the page's picker has selected.
import { useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import type { TaskMetadata } from "../../server/generation/task-metadata";
import type { AssignedModel } from "../../server/registry/registry";
import { Alert, Button } from "./ui";

/** The id of the form every app page submits; AppPage's model picker belongs to it. */
export const APP_FORM_ID = "app-form";

export const fieldClass =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:opacity-60 aria-invalid:border-red-500 dark:border-slate-700 dark:bg-slate-900 dark:aria-invalid:border-red-400";

export const secondaryButtonClass =
  "inline-flex items-center justify-center gap-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 focus:ring-2 focus:ring-brand-500 focus:ring-offset-2 focus:outline-none disabled:cursor-not-allowed disabled:opacity-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800 dark:focus:ring-offset-slate-950";

/** A compact secondary button for panel headers (Copy, Export…). */
export const smallButtonClass =
  "inline-flex items-center rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus:ring-2 focus:ring-brand-500 focus:outline-none dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";

const fmt = (n: number) => n.toLocaleString("en");

/** Ctrl+Enter (Cmd+Enter on a Mac): the run shortcut of every app page. */
export function isRunShortcut(e: React.KeyboardEvent | KeyboardEvent) {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey;
}

/**
 * The model chosen in AppPage's picker (`<select name="model" form="app-form">`, uncontrolled):
 * its default at first, then whatever the user picks.
 */
export function useSelectedModel(models: AssignedModel[]): string | undefined {
  const [chosen, setChosen] = useState<string>();
  useEffect(() => {
    const onChange = (e: Event) => {
      const t = e.target;
      if (t instanceof HTMLSelectElement && t.name === "model" && t.getAttribute("form") === APP_FORM_ID) {
        setChosen(t.value);
      }
    };
    document.addEventListener("change", onChange);
    return () => document.removeEventListener("change", onChange);
  }, []);
  const fallback = models.find((m) => m.isDefault)?.id ?? models[0]?.id;
  return chosen && models.some((m) => m.id === chosen) ? chosen : fallback;
}

const noSubscribe = () => () => {};

/** False in the server's HTML and until the page has hydrated; true after. */
export function useHydrated() {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}

/**
 * Text typed into a field before the page hydrated never reached React (and the next render would
 * wipe it): adopt it once, on mount.
 */
export function useAdoptTypedText(
  ref: React.RefObject<HTMLTextAreaElement | null>,
  value: string,
  adopt: (text: string) => void,
) {
  const first = useRef({ value, adopt });
  useEffect(() => {
    const typed = ref.current?.value;
    if (typed && typed !== first.current.value) first.current.adopt(typed);
  }, [ref]);
}

/** A text area with a live character counter; over the limit it says so and is marked invalid. */
export function LimitedTextArea({
  label,
  limit,
  limitMessage,
  value,
  onValueChange,
  hint,
  className = "",
  ...props
}: Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange"> & {
  label: string;
  limit: number;
  limitMessage: string;
  value: string;
  onValueChange: (value: string) => void;
  hint?: React.ReactNode;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  useAdoptTypedText(ref, value, onValueChange);
  const over = value.length > limit;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <textarea
        ref={ref}
        id={id}
        value={value}
        onChange={(e) => onValueChange(e.target.value)}
        aria-invalid={over || undefined}
        aria-describedby={`${id}-count`}
        className={`${fieldClass} mt-1 min-h-48 resize-y ${className}`}
        {...props}
      />
      <div className="mt-1 flex flex-wrap items-start justify-between gap-x-4 gap-y-1 text-xs">
        <span className="text-slate-500 dark:text-slate-400">{hint}</span>
        <CharCount id={`${id}-count`} length={value.length} limit={limit} limitMessage={limitMessage} />
      </div>
    </div>
  );
}

export function CharCount({
  id,
  length,
  limit,
  limitMessage,
  unit = "characters",
}: {
  id?: string;
  length: number;
  limit: number;
  limitMessage: string;
  unit?: string;
}) {
  const over = length > limit;
  return (
    <span
      id={id}
      aria-live="polite"
      className={
        over ? "font-medium text-red-600 dark:text-red-400" : "text-slate-500 tabular-nums dark:text-slate-400"
      }
    >
      {over ? `${limitMessage} (${fmt(length)} now)` : `${fmt(length)} / ${fmt(limit)} ${unit}`}
    </span>
  );
}

/**
 * The run button (submits the form) or, while a run is in flight, Stop. They are different
 * elements on purpose (keys): were React to reuse one <button> and flip its type, the click on
 * Stop could end the run, re-render, and then submit the form as the click's default action,
 * starting the run again. Disabled until the page has hydrated.
 */
export function RunOrStop({
  busy,
  label,
  disabled,
  onStop,
}: {
  busy: boolean;
  label: string;
  disabled?: boolean;
  onStop: () => void;
}) {
  // Before hydration the form would submit natively (a GET with the text in the URL).
  const hydrated = useHydrated();
  return busy ? (
    <Button key="stop" type="button" onClick={onStop} className="bg-slate-600 hover:bg-slate-700">
      Stop
    </Button>
  ) : (
    <Button key="run" type="submit" disabled={disabled || !hydrated}>
      {label}
    </Button>
  );
}

/** A failed or refused run: the server's message and a Retry button. */
export function ErrorBanner({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <Alert>
      <div className="flex flex-wrap items-center gap-3">
        <p className="min-w-0 flex-1">{message}</p>
        {onRetry && (
          <button
            type="button"
            onClick={onRetry}
            className="rounded-md border border-red-300 px-3 py-1 text-sm font-medium hover:bg-red-100 dark:border-red-700 dark:hover:bg-red-900"
          >
            Retry
          </button>
        )}
      </div>
    </Alert>
  );
}

/** Tokens in/out, time to first token, speed and the model, under a result. */
export function RunStats({
  metadata,
  busy,
  stopped,
}: {
  metadata: TaskMetadata | undefined;
  busy?: boolean;
  stopped?: boolean;
}) {
  if (!metadata && !stopped) return null;
  metadata ??= {};
  const items: string[] = [];
  if (metadata.promptTokens != null) items.push(`${fmt(metadata.promptTokens)} tokens in`);
  if (metadata.completionTokens != null) items.push(`${fmt(metadata.completionTokens)} out`);
  if (metadata.timeToFirstTokenMs != null) items.push(`first token ${fmt(metadata.timeToFirstTokenMs)} ms`);
  if (metadata.tokensPerSecond != null) items.push(`${metadata.tokensPerSecond} tokens/s`);
  if (metadata.durationMs != null) items.push(`${(metadata.durationMs / 1000).toFixed(1)} s in all`);
  if (stopped || metadata.status === "stopped") items.push("stopped");
  if (busy && items.length === 0) items.push("generating…");
  return (
    <p className="text-xs text-slate-500 dark:text-slate-400" aria-label="Run statistics">
      {metadata.modelName && (
        <span className="font-medium text-slate-600 dark:text-slate-300" title="Model that answered">
          {metadata.modelName}
        </span>
      )}
      {items.length > 0 && (metadata.modelName ? " · " : "") + items.join(" · ")}
    </p>
  );
}

/** A small spinning ring for "working". */
export function Spinner({ className = "" }: { className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={`inline-block size-4 animate-spin rounded-full border-2 border-current border-r-transparent align-[-0.125em] ${className}`}
    />
  );
}

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

/** The modifier key's name for shortcut hints: Ctrl, or ⌘ on a Mac (known only in the browser). */
export function useModKeyLabel() {
  return useSyncExternalStore(
    noSubscribe,
    () => (/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? "⌘" : "Ctrl"),
    () => "Ctrl",
  );
}

/** A small keyboard shortcut badge. */
export function Kbd({ children }: { children: React.ReactNode }) {
  return (
    <kbd className="rounded border border-slate-300 bg-white px-1 font-sans text-[0.7rem] text-slate-600 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-300">
      {children}
    </kbd>
  );
}

/**
 * The form of a one-shot app: submitting or Ctrl/Cmd+Enter runs it; `data-hydrated` tells tests
 * (and styles) that the page is live, so nothing typed before hydration is lost to a native submit.
 */
export function TaskForm({
  onRun,
  hydrated,
  className,
  children,
}: {
  onRun: () => void;
  hydrated: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <form
      id={APP_FORM_ID}
      data-hydrated={hydrated || undefined}
      className={className}
      onSubmit={(e) => {
        e.preventDefault();
        onRun();
      }}
      onKeyDown={(e) => {
        if (isRunShortcut(e)) {
          e.preventDefault();
          onRun();
        }
      }}
    >
      {children}
    </form>
  );
}
