import { useFetchers, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

/** Reloads the data every few seconds while the page is visible and nothing is being submitted. */
export function useLiveData(intervalMs: number) {
  const revalidator = useRevalidator();
  const fetchers = useFetchers();
  const busy = revalidator.state !== "idle" || fetchers.some((f) => f.state !== "idle");
  const state = useRef({ busy, revalidate: revalidator.revalidate });
  useEffect(() => {
    state.current = { busy, revalidate: revalidator.revalidate };
  });
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && !state.current.busy) state.current.revalidate();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
}
