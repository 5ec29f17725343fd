// Whether the reader has a mouse-like pointer (and so, most likely, a keyboard): keyboard hints
// ("Enter to send", "Ctrl+K") are for them only. Unknown in the server's HTML: no hint until known.
import { useSyncExternalStore } from "react";

const QUERY = "(pointer: fine)";

function subscribe(onChange: () => void) {
  const media = window.matchMedia(QUERY);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}

export function useFinePointer() {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(QUERY).matches,
    () => false,
  );
}
