// Errors that carry the HTTP status a user should see. Services throw them (or their own typed
// errors with an `httpStatus`); routes turn any of them into a clear message with that status.
export class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface PublicError {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * The status and message to show for an error, or undefined for an unexpected one (a bug: the
 * user gets a generic 500 and the details go to the log). Duck-typed on purpose: errors from the
 * server entry and from the Remix bundle are different class instances.
 */
export function publicErrorOf(error: unknown): PublicError | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { httpStatus?: unknown; retryAfterSeconds?: unknown };
  if (e.name === "LimitExceededError")
    return { status: 429, message: e.message, retryAfterSeconds: Number(e.retryAfterSeconds) };
  if (typeof e.httpStatus !== "number") return undefined;
  return {
    status: e.httpStatus,
    message: e.message,
    ...(typeof e.retryAfterSeconds === "number" && { retryAfterSeconds: e.retryAfterSeconds }),
  };
}
