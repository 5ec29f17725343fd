// A per-key sliding-window limiter for bursts (requests per minute per user). In memory: bursts
// are a per-instance concern; the daily quotas, which matter across instances, live in the database.
import { LimitExceededError } from "./errors";

export function createRateLimiter({
  limit,
  windowMs,
  now = Date.now,
}: {
  limit: number;
  windowMs: number;
  now?: () => number;
}) {
  const hits = new Map<string, number[]>();

  function take(key: string) {
    const t = now();
    const recent = (hits.get(key) ?? []).filter((at) => at > t - windowMs);
    if (recent.length >= limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((recent[0]! + windowMs - t) / 1000));
      hits.set(key, recent);
      throw new LimitExceededError(
        `Too many requests: at most ${limit} per minute. Try again in ${retryAfterSeconds} s.`,
        retryAfterSeconds,
      );
    }
    recent.push(t);
    hits.set(key, recent);
  }

  // Forget idle keys so the map does not grow with every user ever seen.
  const sweeper = setInterval(() => {
    const cutoff = now() - windowMs;
    for (const [key, times] of hits) if ((times.at(-1) ?? 0) <= cutoff) hits.delete(key);
  }, windowMs);
  sweeper.unref();

  return { take };
}
