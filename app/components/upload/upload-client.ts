// The browser's client of the upload API (api.admin.uploads.*): start an upload, send the files
// with XMLHttpRequest so the bytes can be counted, install, discard. Files are always sent as they
// are (xhr.send(file)): the browser streams them from disk, so a model of many gigabytes never
// sits in memory.
import type { Selection } from "./selection";

export class UploadFailure extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = "UploadFailure";
  }
}

function errorOf(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: unknown };
    if (typeof body.error === "string" && body.error) return body.error;
  } catch {
    // not JSON: a proxy's page, or an empty body
  }
  if (xhr.status === 413) return "The server refused the upload as too large.";
  return `The server refused the upload (HTTP ${xhr.status}).`;
}

/** PUTs one Blob as the raw request body, reporting bytes sent. */
function putBlob(url: string, body: Blob, onProgress: (sent: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UploadFailure("The upload was cancelled.", 0, true));
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      signal.removeEventListener("abort", abort);
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new UploadFailure(errorOf(xhr), xhr.status));
    };
    xhr.onerror = () => {
      signal.removeEventListener("abort", abort);
      reject(
        new UploadFailure(
          "The connection to the server broke off during the upload (the server may have refused it). Try again.",
        ),
      );
    };
    xhr.onabort = () => reject(new UploadFailure("The upload was cancelled.", 0, true));
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort);
    xhr.send(body);
  });
}

async function jsonOrError(response: Response): Promise<{ error?: string } & Record<string, unknown>> {
  try {
    return (await response.json()) as { error?: string };
  } catch {
    return { error: `The server answered HTTP ${response.status}.` };
  }
}

/** Starts an upload session; its id and the most bytes one upload may hold. */
export async function createUpload(): Promise<{ id: string; maxBytes: number }> {
  const response = await fetch("/api/admin/uploads", { method: "POST" });
  const body = await jsonOrError(response);
  if (!response.ok) throw new UploadFailure(body.error ?? "Could not start the upload.", response.status);
  return body as unknown as { id: string; maxBytes: number };
}

/** Sends the archive, or each file of the folder in turn; `onProgress` gets bytes sent of them all. */
export async function sendSelection(
  uploadId: string,
  selection: Selection,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
) {
  const base = `/api/admin/uploads/${encodeURIComponent(uploadId)}`;
  if (selection.kind === "archive") {
    await putBlob(`${base}/archive`, selection.file, onProgress, signal);
    onProgress(selection.bytes);
    return;
  }
  let done = 0;
  for (const { file, path } of selection.files) {
    try {
      await putBlob(`${base}/files?path=${encodeURIComponent(path)}`, file, (sent) => onProgress(done + sent), signal);
    } catch (error) {
      if (error instanceof UploadFailure && !error.cancelled && !error.message.includes(path)) {
        throw new UploadFailure(`${path}: ${error.message}`, error.status);
      }
      throw error;
    }
    done += file.size;
    onProgress(done);
  }
}

export type InstallOutcome =
  { ok: true; model: { id: string; displayName: string; kind: string } } | { ok: false; status: number; error: string };

/** Validates and installs the upload (the server loads the model and runs a test generation). */
export async function installUpload(
  uploadId: string,
  input: { modelId: string; displayName?: string },
): Promise<InstallOutcome> {
  const response = await fetch(`/api/admin/uploads/${encodeURIComponent(uploadId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ modelId: input.modelId, displayName: input.displayName || undefined }),
  });
  const body = await jsonOrError(response);
  if (response.status === 201)
    return { ok: true, model: body.model as { id: string; displayName: string; kind: string } };
  return { ok: false, status: response.status, error: body.error ?? `The server answered HTTP ${response.status}.` };
}

/** Best effort: the server also purges abandoned uploads after a day. */
export function discardUpload(uploadId: string) {
  void fetch(`/api/admin/uploads/${encodeURIComponent(uploadId)}`, { method: "DELETE" }).catch(() => {});
}
