// How a generation's writes meet a failing database. A write the database refused (bad data, a
// broken constraint) fails the same way when retried; anything else (a closed connection, a
// restart, a refused connect) is the database being away, and a retry after a pause may succeed.

/** How long a generation keeps its events while the database is away, and how it retries. */
export interface RetryPolicy {
  /** First pause after a failed write; each further failure doubles it, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A write failing for this long ends the generation as interrupted. */
  maxOutageMs: number;
  /** So does a buffer of unsaved events past this size while writes fail. */
  maxBufferedEvents: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 50,
  maxDelayMs: 1_000,
  maxOutageMs: 15_000,
  maxBufferedEvents: 2_000,
};

/** The pause before retry number `attempt` (0 for the first). */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 20));
}

/**
 * The SQLSTATE of a database error (postgres.js and PGlite both set `code`), looked up through
 * drizzle's wrapper (`DrizzleQueryError.cause`). Connection failures carry other codes
 * (`CONNECTION_CLOSED`, `ECONNREFUSED`) and give undefined.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = cause;
  }
  return undefined;
}

/** A row this write refers to is gone (foreign_key_violation): the generation's chat was deleted. */
export function isReferenceGone(error: unknown): boolean {
  return sqlStateOf(error) === "23503";
}

/**
 * The database answered and refused the write: data exceptions (class 22), constraint violations
 * (23), syntax or access errors (42). Retrying cannot help.
 */
export function isRefusedWrite(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && ["22", "23", "42"].includes(state.slice(0, 2));
}

/**
 * A failed write for the log: the driver's code and message, not drizzle's wrapper, whose
 * message lists the query's parameters (a user's text).
 */
export function describeWriteError(error: unknown): { code?: string; message: string } {
  let e = error;
  for (let depth = 0; depth < 5 && e instanceof Error && e.cause !== undefined; depth++) e = e.cause;
  const { code } = (e ?? {}) as { code?: unknown };
  return {
    ...(typeof code === "string" && { code }),
    message: e instanceof Error ? e.message : String(e),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
