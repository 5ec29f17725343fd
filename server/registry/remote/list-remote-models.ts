// GET {baseUrl}/models on a remote OpenAI-compatible engine: the model names an admin picks from.
// Bounded: 10 s (or the caller's limit), 1 MiB, at most 500 names; failures say what went wrong.
import { HttpError } from "../../http-error";

const MAX_BYTES = 1024 * 1024;

export async function listRemoteModels(baseUrl: string, apiKey?: string, timeoutMs = 10_000): Promise<string[]> {
  let url: URL;
  try {
    url = new URL(`${baseUrl.replace(/\/+$/, "")}/models`);
  } catch {
    throw new HttpError(400, "BAD_REMOTE", `"${baseUrl}" is not a URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new HttpError(400, "BAD_REMOTE", "The base URL must be http:// or https://.");
  let response: Response;
  try {
    response = await fetch(url, {
      headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError";
    throw new HttpError(
      502,
      timedOut ? "REMOTE_TIMEOUT" : "REMOTE_UNREACHABLE",
      timedOut ? `${url.origin} did not answer within ${timeoutMs / 1000} s.` : `Cannot reach ${url.origin}.`,
    );
  }
  if (response.status === 401 || response.status === 403)
    throw new HttpError(502, "REMOTE_AUTH", `The remote engine refused the API key (HTTP ${response.status}).`);
  if (!response.ok) throw new HttpError(502, "REMOTE_ERROR", `${url.href} answered HTTP ${response.status}.`);
  const text = await response.text();
  if (text.length > MAX_BYTES) throw new HttpError(502, "REMOTE_ERROR", "The remote's model list is too large.");
  let ids: string[];
  try {
    const body = JSON.parse(text) as { data?: { id?: unknown }[] };
    ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string");
  } catch {
    throw new HttpError(502, "REMOTE_ERROR", `${url.href} did not answer an OpenAI model list.`);
  }
  return ids.slice(0, 500);
}
