// Errors in OpenAI's shape, so that OpenAI clients raise the right exception class:
// { error: { message, type, code, param } } with the HTTP status OpenAI uses for the same case.
// Loom's own errors (PublicError: status + stable code) map onto it; anything else is a 500
// whose details stay in the log.
import type { z } from "zod";
import { publicErrorOf } from "../http-error";

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "OpenAiError";
  }

  get body(): OpenAiErrorBody {
    return { error: { message: this.message, type: typeForStatus(this.status), code: this.code, param: this.param } };
  }
}

function typeForStatus(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Loom's codes that have an OpenAI name of their own. */
const CODES: Record<string, string> = {
  MODEL_NOT_AVAILABLE: "model_not_found",
  MODEL_NOT_FOUND: "model_not_found",
  LIMIT_EXCEEDED: "rate_limit_exceeded",
  BUSY: "server_busy",
};

/** Any error as the API answers it: a public one keeps its status and message. */
export function toOpenAiError(error: unknown): OpenAiError | undefined {
  if (error instanceof OpenAiError) return error;
  const known = publicErrorOf(error);
  if (!known) return undefined;
  return new OpenAiError(
    known.status,
    known.message,
    CODES[known.code] ?? known.code.toLowerCase(),
    known.code.startsWith("MODEL_") ? "model" : null,
    known.retryAfterSeconds,
  );
}

/** A failed validation: 413 for text over its limit, 400 for the rest, naming the field. */
export function fromZodError(error: z.ZodError): OpenAiError {
  const issue = error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  const tooLong = issue.code === "too_big" && issue.origin === "string";
  const message = issue.message.startsWith("Invalid") && param ? `${param}: ${issue.message}` : issue.message;
  return new OpenAiError(tooLong ? 413 : 400, message, tooLong ? "request_too_large" : "invalid_request", param);
}
