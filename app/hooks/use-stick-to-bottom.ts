// Keeps the page at the newest message while an answer grows, unless the reader has scrolled up
// to read something older; then it stays put and offers a way back ("jump to latest").
// The page itself scrolls (the composer sticks to the window's bottom), so this watches the window.
import { useCallback, useEffect, useRef, useState } from "react";

/** How close to the bottom still counts as "at the newest message" (px): rounding, a last line. */
const NEAR_BOTTOM_PX = 80;

function distanceFromBottom() {
  const root = document.documentElement;
  return root.scrollHeight - (window.scrollY + window.innerHeight);
}

export function useStickToBottom(content: React.RefObject<HTMLElement | null>) {
  // A ref for the decision (read on every resize), a state for the button.
  const stuck = useRef(true);
  const [away, setAway] = useState(false);

  const jump = useCallback(() => {
    stuck.current = true;
    setAway(false);
    window.scrollTo({ top: document.documentElement.scrollHeight });
  }, []);

  useEffect(() => {
    // Only the reader scrolling up lets go: growth below the fold moves nothing, and a scroll
    // event measured between growth and our own scroll to the bottom must not count as leaving.
    let lastY = window.scrollY;
    const onScroll = () => {
      const y = window.scrollY;
      const near = distanceFromBottom() <= NEAR_BOTTOM_PX;
      if (near) stuck.current = true;
      else if (y < lastY) stuck.current = false;
      lastY = y;
      setAway(!stuck.current);
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    const element = content.current;
    const observer = new ResizeObserver(() => {
      if (stuck.current) window.scrollTo({ top: document.documentElement.scrollHeight });
      else setAway(distanceFromBottom() > NEAR_BOTTOM_PX);
    });
    if (element) observer.observe(element);
    return () => {
      window.removeEventListener("scroll", onScroll);
      observer.disconnect();
    };
  }, [content]);

  return { away, jump };
}
