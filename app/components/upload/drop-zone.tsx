import { useId, useRef, useState } from "react";
import { FileButton } from "~/components/ui";
import {
  ARCHIVE_ACCEPT,
  selectionFromArchiveInput,
  selectionFromDrop,
  selectionFromFolderInput,
  type Selection,
} from "./selection";

/** Drag-and-drop target with an archive picker and a folder picker; reports a selection or a problem. */
export function DropZone({
  disabled,
  onSelect,
  onProblem,
}: {
  disabled?: boolean;
  onSelect: (selection: Selection) => void;
  onProblem: (message: string) => void;
}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hintId = useId();

  const take = (get: () => Selection | undefined | Promise<Selection | undefined>) => {
    Promise.resolve()
      .then(get)
      .then((selection) => selection && onSelect(selection))
      .catch((error: unknown) => onProblem(error instanceof Error ? error.message : String(error)));
  };

  return (
    <div
      onDragEnter={(e) => {
        if (disabled) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        // Always handled: an unhandled drop would make the browser open the file instead.
        e.preventDefault();
        e.dataTransfer.dropEffect = disabled ? "none" : "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        if (disabled) return;
        // selectionFromDrop reads the entries before its first await, while the event is live.
        const pending = selectionFromDrop(e.dataTransfer);
        take(() => pending);
      }}
      data-testid="drop-zone"
      className={`rounded-lg border-2 border-dashed px-4 py-8 text-center transition-colors ${
        over
          ? "border-brand-500 bg-brand-500/10"
          : "border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900/50"
      } ${disabled ? "opacity-60" : ""}`}
    >
      <p className="font-medium">Drop a model folder or an archive here</p>
      <p id={hintId} className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        A Hugging Face / Optimum ONNX folder (config.json, tokenizer.json, onnx/model.onnx), or the same as a .zip,
        .tar, .tar.gz or .tgz.
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-2">
        <FileButton
          accept={ARCHIVE_ACCEPT}
          disabled={disabled}
          aria-describedby={hintId}
          onFiles={(files) => take(() => selectionFromArchiveInput(files))}
        >
          Choose an archive…
        </FileButton>
        <FileButton
          multiple
          disabled={disabled}
          aria-describedby={hintId}
          // Not in React's types: the directory picker (every browser supports the webkit name).
          {...({ webkitdirectory: "", directory: "" } as React.InputHTMLAttributes<HTMLInputElement>)}
          onFiles={(files) => take(() => selectionFromFolderInput(files))}
        >
          Choose a folder…
        </FileButton>
      </div>
    </div>
  );
}
