// What a page shows for a failed request, and whether Retry can help. The API answers errors
// before a stream starts as JSON `{ error, code }` with a status (decision 017); errors inside a
// stream arrive as plain text, after the status was already 200.
export interface RequestError {
  message: string;
  /** The server's stable code ("PAIR_NOT_SUPPORTED"), when it sent one. */
  code?: string;
  /** False when the same request cannot succeed later: every 4xx but 408 and 429. */
  retryable: boolean;
}

/** 408, 429 and 5xx may pass on a later try; another 4xx is the request's own fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const UNREACHABLE = "The server could not be reached. Check your connection and try again.";

/** A response's failure as an Error whose message keeps the status with the JSON body. */
export async function errorOfResponse(response: Response): Promise<Error> {
  const text = await response.text().catch(() => "");
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    body = { error: text.trim() || `${response.status} ${response.statusText}` };
  }
  return new Error(JSON.stringify({ ...body, status: response.status }));
}

/** Reads an error from errorOfResponse, a stream's error text, or a failed fetch. */
export function readRequestError(error: Error | undefined): RequestError | undefined {
  if (!error) return undefined;
  const raw = error.message?.trim();
  if (raw?.startsWith("{")) {
    try {
      const parsed = JSON.parse(raw) as { error?: unknown; code?: unknown; status?: unknown };
      if (typeof parsed.error === "string" && parsed.error) {
        const status = typeof parsed.status === "number" ? parsed.status : 500;
        return {
          message: parsed.error,
          ...(typeof parsed.code === "string" && { code: parsed.code }),
          retryable: isRetryableStatus(status),
        };
      }
    } catch {
      // not JSON after all: show it as it is
    }
  }
  if (!raw || /failed to fetch|networkerror|load failed/i.test(raw)) return { message: UNREACHABLE, retryable: true };
  // Text from inside a stream: the model failed mid-answer, which a new try may not.
  return { message: raw, retryable: true };
}
