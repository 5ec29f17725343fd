// Errors that routes turn into 429 responses with a Retry-After header. Recognised by name across
// the Remix bundle boundary (see docs/decisions/001).
export class LimitExceededError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "LimitExceededError";
  }
}

export function isLimitExceededError(error: unknown): error is LimitExceededError {
  return error instanceof Error && error.name === "LimitExceededError" && "retryAfterSeconds" in error;
}
