// Typed errors of the inference engine. Routes map them to HTTP statuses (see `httpStatus`)
// so that a user sees a clear message, never a stack trace.

/** A model folder cannot be used: a file is missing or unreadable, or config and graph disagree. */
export class ModelFolderError extends Error {
  override readonly name = "ModelFolderError";
  readonly httpStatus = 400;
  constructor(
    /** The folder that was being loaded. */
    readonly folder: string,
    /** The file inside the folder the problem is about (relative path), when there is one. */
    readonly file: string | undefined,
    message: string,
    /** The graph input/output or config key the problem is about, when there is one. */
    readonly input?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
  }
}

/** The scheduler's queue is full; the caller should retry later (HTTP 429 / 503 with Retry-After). */
export class BusyError extends Error {
  override readonly name = "BusyError";
  readonly httpStatus = 429;
  constructor(
    readonly retryAfterSeconds: number,
    readonly active: number,
    readonly waiting: number,
  ) {
    super(`The model is busy (${active} generating, ${waiting} waiting); retry in about ${retryAfterSeconds} s`);
  }
}

/** A request ran past its time limit, either still queued or while generating. */
export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  readonly httpStatus = 503;
  constructor(
    readonly timeoutMs: number,
    readonly phase: "queued" | "generating",
  ) {
    super(`The request ran past its ${timeoutMs} ms limit while ${phase}`);
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
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";
  readonly httpStatus: number;
  constructor(message: string, httpStatus = 400) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

/** The model was disposed while the request was queued or running. */
export class ModelDisposedError extends Error {
  override readonly name = "ModelDisposedError";
  readonly httpStatus = 503;
  constructor(modelId: string) {
    super(`Model ${modelId} was unloaded`);
  }
}
