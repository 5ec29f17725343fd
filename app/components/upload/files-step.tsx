// Step 1 of the upload page: the drop zone, or what was chosen; and what is wrong with it.
import { formatBytes } from "../../../server/common/format";
import { Alert, Button } from "~/components/ui";
import { DropZone } from "./drop-zone";
import type { Selection } from "./selection";
import { SelectionSummary } from "./selection-summary";

export function FilesStep({
  selection,
  locked,
  problem,
  maxUploadBytes,
  triedSubmit,
  onChoose,
  onChooseOther,
  onProblem,
}: {
  selection: Selection | undefined;
  /** Uploading, validating or done: the choice can no longer change. */
  locked: boolean;
  problem: string | undefined;
  maxUploadBytes: number;
  triedSubmit: boolean;
  onChoose: (selection: Selection) => void;
  onChooseOther: () => void;
  onProblem: (message: string) => void;
}) {
  return (
    <section aria-labelledby="upload-files" className="space-y-3">
      <h2 id="upload-files" className="text-lg font-semibold">
        1. Files
      </h2>
      {selection && !locked ? (
        <div className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <div className="min-w-0 flex-1">
            <SelectionSummary selection={selection} />
          </div>
          <Button type="button" variant="secondary" size="sm" onClick={onChooseOther}>
            Choose other files
          </Button>
        </div>
      ) : selection ? (
        <div className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <SelectionSummary selection={selection} />
        </div>
      ) : (
        <DropZone onSelect={onChoose} onProblem={onProblem} disabled={locked} />
      )}
      {problem && <Alert>{problem}</Alert>}
      {selection && selection.bytes > maxUploadBytes && (
        <Alert>
          This is {formatBytes(selection.bytes)}; the server accepts at most {formatBytes(maxUploadBytes)} per upload
          (LOOM_MAX_UPLOAD_BYTES).
        </Alert>
      )}
      {triedSubmit && !selection && <Alert>Choose an archive or a model folder first.</Alert>}
    </section>
  );
}
