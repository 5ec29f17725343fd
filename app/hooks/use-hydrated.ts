// What a page knows only once it runs in the browser: that it has hydrated, what was typed before
// it did, and which modifier key the shortcuts use.
import { useEffect, useRef, useSyncExternalStore } from "react";

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

/** The modifier key's name for shortcut hints: Ctrl, or ⌘ on a Mac (known only in the browser). */
export function useModKeyLabel() {
  return useSyncExternalStore(
    noSubscribe,
    () => (/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? "⌘" : "Ctrl"),
    () => "Ctrl",
  );
}
