// The one error protocol. An error a user may read is a PublicError: it carries the HTTP status to
// answer with and a stable code (for clients and tests; the message is for people and may change).
// Anything else is a bug: the user gets a generic 500 and the details go to the log.
//
// The Remix server bundle carries its own copies of these modules, so `instanceof` fails across
// the bundle boundary (docs/decisions/001). A public error is therefore recognised by a brand that
// is the same in both copies: a property keyed by a registered symbol.
const PUBLIC_ERROR = Symbol.for("loom.public-error");

export class PublicError<Code extends string = string> extends Error {
  readonly [PUBLIC_ERROR] = true;
  constructor(
    /** Stable, machine-readable: "NOT_FOUND", "BUSY", "FILE_TOO_LARGE", … */
    readonly code: Code,
    /** The HTTP status a route answers with. */
    readonly httpStatus: number,
    message: string,
    /** For 429 and 503: when to try again (the route sends it as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function isPublicError(error: unknown): error is PublicError {
  return typeof error === "object" && error !== null && (error as { [PUBLIC_ERROR]?: unknown })[PUBLIC_ERROR] === true;
}

/** A public error raised directly by a service or route, with its status and code. */
export class HttpError<Code extends string = string> extends PublicError<Code> {
  constructor(httpStatus: number, code: Code, message: string, retryAfterSeconds?: number) {
    super(code, httpStatus, message, retryAfterSeconds);
  }
}

export interface PublicErrorInfo {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/** What to show for an error: its status, code and message; undefined for an unexpected one. */
export function publicErrorOf(error: unknown): PublicErrorInfo | undefined {
  if (!isPublicError(error)) return undefined;
  return {
    status: error.httpStatus,
    code: error.code,
    message: error.message,
    ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
  };
}

const GENERIC_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE",
  429: "RATE_LIMITED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** The generic code of a status, for refusals that need no code of their own ("NOT_FOUND"). */
export function codeForStatus(status: number): string {
  return GENERIC_CODES[status] ?? `HTTP_${status}`;
}
