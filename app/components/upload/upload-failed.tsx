import { Alert } from "~/components/ui";
import type { UploadPhase } from "~/hooks/use-model-upload";

/** Why the model was not installed, and what happens now (discarded, or kept for another id). */
export function UploadFailed({ phase }: { phase: Extract<UploadPhase, { step: "failed" }> }) {
  return (
    <Alert>
      <p className="font-medium">
        {phase.cancelled ? "Upload cancelled." : phase.keptUploadId ? "Not installed:" : "The model was not installed:"}
      </p>
      {!phase.cancelled && <p className="mt-1 break-words">{phase.error}</p>}
      {!phase.cancelled && !phase.keptUploadId && (
        <p className="mt-1">The upload was discarded; nothing was added to the model store.</p>
      )}
      {phase.keptUploadId && <p className="mt-1">Choose another model id and install again (no new upload).</p>}
    </Alert>
  );
}
