// The page's notice banner: what inline updates (fetchers) report, the last error or confirmation,
// shown at the top of the page until dismissed or replaced.
import { X } from "lucide-react";
import { createContext, useCallback, useContext, useMemo, useState } from "react";
import { alertClass } from "./alert";

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
  return (
    <div
      key={notice.key}
      role={notice.tone === "error" ? "alert" : "status"}
      className={`sticky top-2 z-20 mb-4 flex items-start gap-3 shadow-sm ${alertClass(notice.tone)}`}
    >
      <p className="min-w-0 flex-1 break-words">{notice.text}</p>
      <button
        type="button"
        onClick={dismiss}
        aria-label="Dismiss message"
        className="-my-1 rounded px-2 py-1 text-base leading-none hover:bg-black/5 dark:hover:bg-white/10"
      >
        <X aria-hidden="true" className="size-4" />
      </button>
    </div>
  );
}
