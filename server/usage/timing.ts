// Run timing, measured one way in every application: from the start of a run to its end, the wait
// for the first token (the prefill), and the decode rate after it. Whole milliseconds, as stored.

export interface RunTiming {
  /** Start to now. */
  durationMs: number;
  /** Start to the first token; absent when no token came. */
  timeToFirstTokenMs?: number;
  /** Tokens after the first, per second since the first (one decimal); absent under two tokens. */
  tokensPerSecond?: number;
}

export function startRunTimer(clock: () => number = () => performance.now()) {
  const startedAt = clock();
  let firstTokenAt: number | undefined;
  return {
    /** Call on every token (or text delta); only the first is timed. */
    token() {
      firstTokenAt ??= clock();
    },
    /** The timing so far; `completionTokens` gives the decode rate. */
    read(completionTokens = 0): RunTiming {
      const now = clock();
      const decodeMs = firstTokenAt === undefined ? 0 : now - firstTokenAt;
      return {
        durationMs: Math.round(now - startedAt),
        ...(firstTokenAt !== undefined && { timeToFirstTokenMs: Math.round(firstTokenAt - startedAt) }),
        ...(decodeMs > 0 &&
          completionTokens > 1 && {
            tokensPerSecond: Math.round(((completionTokens - 1) / decodeMs) * 1000 * 10) / 10,
          }),
      };
    },
  };
}

export type RunTimer = ReturnType<typeof startRunTimer>;
