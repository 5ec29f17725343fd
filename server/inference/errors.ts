// Typed errors of the inference engine. Each public one carries its HTTP status and code (the error
// protocol in server/http-error.ts), so that a user sees a clear message, never a stack trace.
import { PublicError } from "../http-error";

/** A model folder cannot be used: a file is missing or unreadable, or config and graph disagree. */
export class ModelFolderError extends PublicError<"MODEL_FOLDER"> {
  constructor(
    /** The folder that was being loaded. */
    readonly folder: string,
    /** The file inside the folder the problem is about (relative path), when there is one. */
    readonly file: string | undefined,
    message: string,
    /** The graph input/output or config key the problem is about, when there is one. */
    readonly input?: string,
  ) {
    super("MODEL_FOLDER", 400, file ? `${file}: ${message}` : message);
  }
}

/** The scheduler's queue is full; the caller should retry later (HTTP 429 / 503 with Retry-After). */
export class BusyError extends PublicError<"BUSY"> {
  declare readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    readonly active: number,
    readonly waiting: number,
  ) {
    super(
      "BUSY",
      429,
      `The model is busy (${active} generating, ${waiting} waiting); retry in about ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  }
}

/** A request ran past its time limit, either still queued or while generating. */
export class RequestTimeoutError extends PublicError<"TIMEOUT"> {
  constructor(
    readonly timeoutMs: number,
    readonly phase: "queued" | "generating",
  ) {
    super("TIMEOUT", 503, `The request ran past its ${timeoutMs} ms limit while ${phase}`);
  }
}

/** The request's AbortSignal fired (the client went away or asked to stop). */
export class RequestAbortedError extends Error {
  override readonly name = "AbortError";
  constructor(readonly reason?: unknown) {
    super("The request was aborted");
  }
}

/** A request asks for something the model cannot do (prompt longer than the context, bad option). */
export class InvalidRequestError extends PublicError<"INVALID_REQUEST"> {
  constructor(message: string, httpStatus = 400) {
    super("INVALID_REQUEST", httpStatus, message);
  }
}

/** The model was disposed while the request was queued or running. */
export class ModelDisposedError extends PublicError<"MODEL_UNLOADED"> {
  constructor(readonly modelId: string) {
    super("MODEL_UNLOADED", 503, `Model ${modelId} was unloaded`);
  }
}

/**
 * The model's worker thread died (a crash, or out of memory) while the request was queued or
 * running. The next request starts a fresh worker, so a retry may well succeed.
 */
export class ModelCrashedError extends PublicError<"MODEL_CRASHED"> {
  constructor(
    readonly modelId: string,
    /** What the worker died of, as Node reported it. */
    readonly reason: string,
  ) {
    super(
      "MODEL_CRASHED",
      503,
      `Model ${modelId} stopped unexpectedly (${reason}); it restarts on the next request`,
      5,
    );
  }
}
