// The burst limit or the daily quota was reached: a 429 with Retry-After (server/http-error.ts).
import { isPublicError, PublicError } from "../http-error";

export class LimitExceededError extends PublicError<"LIMIT_EXCEEDED"> {
  declare readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super("LIMIT_EXCEEDED", 429, message, retryAfterSeconds);
  }
}

export function isLimitExceededError(error: unknown): error is LimitExceededError {
  return isPublicError(error) && error.code === "LIMIT_EXCEEDED";
}
