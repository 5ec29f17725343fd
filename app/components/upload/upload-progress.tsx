// Step 3 of the upload page: the bytes sent, then validation, then the installed model (with
// whatever the page adds under it: the assignments).
import { useId } from "react";
import { formatBytes } from "../../../server/common/format";
import { alertClass, Spinner } from "~/components/ui";
import type { UploadPhase, UploadProgress as Progress } from "~/hooks/use-model-upload";
import type { Selection } from "./selection";

export function UploadProgress({
  progress,
  phase,
  selection,
  children,
}: {
  progress: Progress;
  phase: UploadPhase;
  selection: Selection | undefined;
  /** Shown under the "installed" message. */
  children?: React.ReactNode;
}) {
  const progressId = useId();
  const percent = progress.total === 0 ? 100 : Math.floor((progress.sent / progress.total) * 100);
  return (
    <section aria-labelledby="upload-progress-title" className="space-y-4">
      <h2 id="upload-progress-title" className="sr-only">
        Progress
      </h2>
      <ol className="space-y-4">
        <li>
          <div className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-sm">
            <label htmlFor={progressId} className="font-medium">
              Upload progress
            </label>
            <span className="text-slate-600 tabular-nums dark:text-slate-400" aria-hidden="true">
              {percent}% · {formatBytes(progress.sent)} of {formatBytes(progress.total)}
            </span>
          </div>
          <progress
            id={progressId}
            max={Math.max(progress.total, 1)}
            value={progress.total === 0 ? 1 : progress.sent}
            aria-valuetext={`${percent}% (${formatBytes(progress.sent)} of ${formatBytes(progress.total)})`}
            className="block h-2.5 w-full appearance-none overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800 [&::-moz-progress-bar]:bg-brand-600 [&::-webkit-progress-bar]:bg-slate-200 dark:[&::-webkit-progress-bar]:bg-slate-800 [&::-webkit-progress-value]:bg-brand-600 [&::-webkit-progress-value]:transition-all"
          />
        </li>
        <li role="status" aria-live="polite" className="text-sm">
          {phase.step === "uploading" && (
            <p className="text-slate-600 dark:text-slate-400">
              Uploading{selection?.kind === "folder" ? ` ${selection.files.length} files` : ""}…
            </p>
          )}
          {phase.step === "validating" && (
            <p className="flex items-center gap-2">
              <Spinner className="text-brand-600 dark:text-brand-500" />
              Validating… loading the model and running a test generation.
            </p>
          )}
          {phase.step === "done" && (
            <div className={alertClass("success")}>
              <p className="font-medium">
                Installed “{phase.model.displayName}” ({phase.model.id}): it loaded and passed a test{" "}
                {phase.model.kind === "classifier" ? "classification" : "generation"}.
              </p>
              {children}
            </div>
          )}
        </li>
      </ol>
    </section>
  );
}
