// The fetcher of the admin pages' inline updates: its answer lands in the page's notice banner.
import { useFetcher } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useNotice } from "~/components/ui";

/** What every admin action answers: a message for the banner, or the reason it was refused. */
export type AdminActionResult = { ok: true; message?: string } | { ok: false; error: string };

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
