// A model upload from the browser, as a sequence of phases: sending the files (with progress,
// cancellable), then validating and installing on the server. A failed install whose id was taken
// keeps its upload, so the admin can pick another id and install it without sending it again.
import { useEffect, useRef, useState } from "react";
import type { Selection } from "~/components/upload/selection";
import {
  createUpload,
  discardUpload,
  installUpload,
  sendSelection,
  UploadFailure,
} from "~/components/upload/upload-client";

export interface InstalledModel {
  id: string;
  displayName: string;
  kind: string;
}

export type UploadPhase =
  | { step: "choose" }
  | { step: "uploading" }
  | { step: "validating" }
  | { step: "done"; model: InstalledModel }
  | { step: "failed"; error: string; cancelled?: boolean; keptUploadId?: string };

export interface UploadProgress {
  sent: number;
  total: number;
}

export interface UploadDetails {
  modelId: string;
  displayName: string;
}

export function useModelUpload({ onInstalled }: { onInstalled: (model: InstalledModel) => void }) {
  const [phase, setPhase] = useState<UploadPhase>({ step: "choose" });
  const [progress, setProgress] = useState<UploadProgress>();
  const abortRef = useRef<AbortController | null>(null);
  const busy = phase.step === "uploading" || phase.step === "validating";

  // Leaving mid-upload would abandon it: ask first.
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [busy]);

  async function install(uploadId: string, details: UploadDetails) {
    setPhase({ step: "validating" });
    let outcome;
    try {
      outcome = await installUpload(uploadId, { modelId: details.modelId, displayName: details.displayName.trim() });
    } catch {
      setPhase({ step: "failed", error: "The server could not be reached to install the model. Try again." });
      return;
    }
    if (outcome.ok) {
      setPhase({ step: "done", model: outcome.model });
      onInstalled(outcome.model);
      return;
    }
    // A taken id leaves the upload on the server: the admin may pick another id and install it.
    const kept = outcome.status === 409 && /already installed/i.test(outcome.error) ? uploadId : undefined;
    setPhase({ step: "failed", error: outcome.error, keptUploadId: kept });
  }

  /** Sends the selection and installs it (or installs the upload kept from the last try). */
  async function start(selection: Selection, details: UploadDetails) {
    if (phase.step === "failed" && phase.keptUploadId) return install(phase.keptUploadId, details);

    const controller = new AbortController();
    abortRef.current = controller;
    setProgress({ sent: 0, total: selection.bytes });
    setPhase({ step: "uploading" });
    let uploadId: string | undefined;
    try {
      const upload = await createUpload();
      uploadId = upload.id;
      await sendSelection(
        upload.id,
        selection,
        (sent) => setProgress({ sent: Math.min(sent, selection.bytes), total: selection.bytes }),
        controller.signal,
      );
    } catch (error) {
      if (uploadId) discardUpload(uploadId);
      const failure = error instanceof UploadFailure ? error : undefined;
      setPhase({
        step: "failed",
        error: failure?.message ?? "The upload failed: the server could not be reached.",
        cancelled: failure?.cancelled,
      });
      return;
    } finally {
      abortRef.current = null;
    }
    await install(uploadId, details);
  }

  /** Cancels the sending of the files (the upload is then discarded). */
  function cancel() {
    abortRef.current?.abort();
  }

  /** Back to choosing, with no progress shown. */
  function clear() {
    setPhase({ step: "choose" });
    setProgress(undefined);
  }

  return { phase, progress, busy, start, cancel, clear };
}
