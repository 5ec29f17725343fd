import { formatBytes } from "../../../server/common/format";
import { formatCount } from "~/components/ui";
import type { Selection } from "./selection";

/** What was chosen, in a line, with the folder's files behind a disclosure. */
export function SelectionSummary({ selection }: { selection: Selection }) {
  if (selection.kind === "archive") {
    return (
      <p className="text-sm">
        <span className="font-medium break-all">{selection.name}</span>{" "}
        <span className="text-slate-600 dark:text-slate-400">— archive, {formatBytes(selection.bytes)}</span>
      </p>
    );
  }
  return (
    <div className="text-sm">
      <p>
        <span className="font-medium break-all">{selection.name}</span>{" "}
        <span className="text-slate-600 dark:text-slate-400">
          — folder, {formatCount(selection.files.length)} {selection.files.length === 1 ? "file" : "files"},{" "}
          {formatBytes(selection.bytes)}
        </span>
      </p>
      {selection.skipped.length > 0 && (
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          Left out {formatCount(selection.skipped.length)} files that are not part of a model (.git, .DS_Store…).
        </p>
      )}
      <details className="mt-1">
        <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Files</summary>
        <ul className="mt-1 max-h-48 overflow-auto rounded border border-slate-200 p-2 font-mono text-xs dark:border-slate-800">
          {selection.files.map((f) => (
            <li key={f.path} className="flex justify-between gap-4">
              <span className="break-all">{f.path}</span>
              <span className="shrink-0 text-slate-500">{formatBytes(f.file.size)}</span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
