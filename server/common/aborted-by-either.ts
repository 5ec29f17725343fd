/**
 * A signal that aborts when either does, with that one's reason. Plain listeners rather than
 * AbortSignal.any, whose links are weak (decision 013); `release` removes the listener from the
 * long-lived shutdown signal once the run is recorded, so requests do not pile listeners on it.
 */
export function abortedByEither(first: AbortSignal, second?: AbortSignal) {
  if (!second) return { signal: first, release: () => {} };
  const controller = new AbortController();
  const onFirst = () => controller.abort(first.reason);
  const onSecond = () => controller.abort(second.reason);
  const release = () => {
    first.removeEventListener("abort", onFirst);
    second.removeEventListener("abort", onSecond);
  };
  if (first.aborted) onFirst();
  else if (second.aborted) onSecond();
  first.addEventListener("abort", onFirst, { once: true });
  second.addEventListener("abort", onSecond, { once: true });
  return { signal: controller.signal, release };
}
