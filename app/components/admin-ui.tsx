// Pieces the admin pages share: the notice banner that inline updates (fetchers) report to, the
// result shape of admin actions, number formatting, and the classes of compact controls.
import { useFetcher } from "@remix-run/react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

/** What every admin action answers: a message for the banner, or the reason it was refused. */
export type AdminActionResult = { ok: true; message?: string } | { ok: false; error: string };

interface Notice {
  tone: "error" | "success";
  text: string;
  /** Changes on every report, so the same message twice is announced twice. */
  key: number;
}

interface NoticeApi {
  notice: Notice | null;
  report(tone: Notice["tone"], text: string): void;
  dismiss(): void;
}

const NoticeContext = createContext<NoticeApi>({ notice: null, report: () => {}, dismiss: () => {} });

export function NoticeProvider({ children }: { children: React.ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const report = useCallback((tone: Notice["tone"], text: string) => setNotice({ tone, text, key: Date.now() }), []);
  const dismiss = useCallback(() => setNotice(null), []);
  const api = useMemo(() => ({ notice, report, dismiss }), [notice, report, dismiss]);
  return <NoticeContext.Provider value={api}>{children}</NoticeContext.Provider>;
}

export function useNotice() {
  return useContext(NoticeContext);
}

/** The page's banner: the last error (role=alert) or confirmation (role=status), dismissable. */
export function NoticeBanner() {
  const { notice, dismiss } = useNotice();
  if (!notice) return null;
  const error = notice.tone === "error";
  return (
    <div
      key={notice.key}
      role={error ? "alert" : "status"}
      className={`sticky top-2 z-20 mb-4 flex items-start gap-3 rounded-md border px-4 py-3 text-sm shadow-sm ${
        error
          ? "border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
          : "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
      }`}
    >
      <p className="min-w-0 flex-1 break-words">{notice.text}</p>
      <button
        type="button"
        onClick={dismiss}
        aria-label="Dismiss message"
        className="-my-1 rounded px-2 py-1 text-base leading-none hover:bg-black/5 dark:hover:bg-white/10"
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}

/**
 * A fetcher whose answers land in the page's banner. `onDone` runs once per successful answer
 * (for example to close an inline editor).
 */
export function useAdminFetcher(onDone?: () => void) {
  const fetcher = useFetcher<AdminActionResult>();
  const { report } = useNotice();
  const seen = useRef<unknown>(undefined);
  const onDoneRef = useRef(onDone);
  useEffect(() => {
    onDoneRef.current = onDone;
  });
  useEffect(() => {
    // The answer is there as soon as the action returns, while the page's data is still being
    // reloaded: report it then, as the reload may remove the component (a deleted model's row).
    if (!fetcher.data || fetcher.data === seen.current) return;
    seen.current = fetcher.data;
    if (!fetcher.data.ok) {
      report("error", fetcher.data.error);
      return;
    }
    if (fetcher.data.message) report("success", fetcher.data.message);
    onDoneRef.current?.();
  }, [fetcher.data, report]);
  return fetcher;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** 1234567 → "1.2 M"; small numbers as they are. */
export function formatCompact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  const units = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const;
  for (const [size, suffix] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${suffix}`;
    }
  }
  return String(n);
}

export const formatCount = (n: number) => n.toLocaleString("en");

export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatRate(tokensPerSecond: number | null | undefined): string {
  if (tokensPerSecond == null || !Number.isFinite(tokensPerSecond)) return "—";
  return `${tokensPerSecond >= 100 ? tokensPerSecond.toFixed(0) : tokensPerSecond.toFixed(1)} tok/s`;
}

/** "2026-03-01 14:05 UTC": the same on the server and in every browser (no hydration mismatch). */
export function formatUtc(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// ---------------------------------------------------------------------------------------------
// Classes

export const smallButton =
  "inline-flex items-center justify-center gap-1 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-800 hover:bg-slate-50 focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:cursor-not-allowed disabled:opacity-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800";

export const dangerButton =
  "inline-flex items-center justify-center gap-1 rounded-md border border-red-300 bg-white px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50 focus:ring-2 focus:ring-red-500 focus:outline-none disabled:cursor-not-allowed disabled:opacity-50 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950";

export const compactInput =
  "block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500 focus:outline-none aria-invalid:border-red-500 dark:border-slate-700 dark:bg-slate-900";

export const linkButton =
  "inline-flex items-center justify-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 focus:ring-2 focus:ring-brand-500 focus:ring-offset-2 focus:outline-none dark:focus:ring-offset-slate-950";

/**
 * A table that becomes a list of cards on phones: rows stack, cells show their own label
 * (`<CellLabel>`), the header row is hidden there.
 */
export const responsiveTable = {
  table: "w-full text-left text-sm max-md:block",
  thead: "max-md:hidden",
  headRow:
    "border-b border-slate-200 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400",
  th: "py-2 pr-4 font-medium",
  tbody: "max-md:block max-md:space-y-3",
  row: "border-b border-slate-100 align-top dark:border-slate-900 max-md:block max-md:rounded-lg max-md:border max-md:border-slate-200 max-md:p-3 max-md:dark:border-slate-800",
  cell: "py-3 pr-4 max-md:block max-md:py-1.5 max-md:pr-0",
};

export function CellLabel({ children }: { children: React.ReactNode }) {
  return (
    <span className="mb-0.5 block text-xs font-medium tracking-wide text-slate-500 uppercase md:hidden dark:text-slate-400">
      {children}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const tones: Record<string, string> = {
    ready: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
    failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
    validating: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
    uploading: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
  };
  return (
    <span
      className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${tones[status] ?? "bg-slate-100 dark:bg-slate-800"}`}
    >
      {status}
    </span>
  );
}
