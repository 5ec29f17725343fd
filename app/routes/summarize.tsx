import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { INPUT_LIMITS } from "../../server/apps/limits";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Markdown } from "~/components/markdown";
import { SummaryKind } from "~/components/summary-kind";
import { ErrorBanner, LimitedTextArea, ResultPanel, RunOrStop, RunStats, AppForm } from "~/components/one-shot";
import { Button, CopyButton, FileButton, Kbd } from "~/components/ui";
import { useFinePointer } from "~/hooks/use-fine-pointer";
import { useHydrated, useModKeyLabel } from "~/hooks/use-hydrated";
import { useSelectedModel } from "~/hooks/use-selected-model";
import { useOneShotStream } from "~/hooks/use-one-shot-stream";

export const meta: MetaFunction = () => [{ title: "Summarise · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "summarize");

const LIMIT = INPUT_LIMITS.summarizeText;
const LIMIT_MESSAGE = `Texts are limited to ${LIMIT.toLocaleString("en")} characters.`;
const LENGTHS = [
  { value: "short", label: "Short" },
  { value: "medium", label: "Medium" },
  { value: "bullets", label: "Bullet points" },
] as const;
type Length = (typeof LENGTHS)[number]["value"];

const ACCEPTED = /\.(txt|md|markdown|text)$/i;

interface Progress {
  stage?: "map" | "reduce";
  round?: number;
  done?: number;
  total?: number;
}

export default function Summarize() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  const modelId = useSelectedModel(models);
  const hydrated = useHydrated();
  const task = useOneShotStream("/api/summarize");
  const mod = useModKeyLabel();
  // Key hints only where there is a keyboard to press them on (as the chat composer).
  const keyboard = useFinePointer();
  const [text, setText] = useState("");
  const [length, setLength] = useState<Length>("medium");
  const [fileNote, setFileNote] = useState<{ tone: "ok" | "error"; text: string }>();
  const [dragging, setDragging] = useState(false);

  const noModel = models.length === 0;
  const tooLong = text.length > LIMIT;
  const canRun = !noModel && !tooLong && text.trim().length > 0 && !task.busy;

  function run() {
    if (!canRun) return;
    void task.run({ text, length, modelId });
  }

  function readFile(file: File) {
    if (!ACCEPTED.test(file.name) && !/^text\/(plain|markdown)$/.test(file.type)) {
      setFileNote({ tone: "error", text: `“${file.name}” is not a text file: drop a .txt or .md file.` });
      return;
    }
    // UTF-8 takes at most 4 bytes a character: a larger file cannot fit the limit.
    if (file.size > LIMIT * 4) {
      setFileNote({ tone: "error", text: `“${file.name}” is too large. ${LIMIT_MESSAGE}` });
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const content = String(reader.result ?? "");
      if (content.length > LIMIT) {
        setFileNote({
          tone: "error",
          text: `“${file.name}” has ${content.length.toLocaleString("en")} characters. ${LIMIT_MESSAGE}`,
        });
        return;
      }
      setText(content);
      setFileNote({ tone: "ok", text: `Loaded “${file.name}” (${content.length.toLocaleString("en")} characters).` });
    };
    reader.onerror = () => setFileNote({ tone: "error", text: `“${file.name}” could not be read.` });
    reader.readAsText(file);
  }

  const progress = task.progress as Progress | undefined;
  const showResult = task.busy || task.text || task.metadata || task.stopped;

  return (
    <AppPage app={APP_INFO.summarize} models={models} isAdmin={isAdmin}>
      <div className="grid gap-6 lg:grid-cols-2">
        <AppForm onRun={run} hydrated={hydrated} className="min-w-0 space-y-4">
          <div
            onDragOver={(e) => {
              if (!e.dataTransfer.types.includes("Files")) return;
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={(e) => {
              if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
            }}
            onDrop={(e) => {
              const file = e.dataTransfer.files[0];
              if (!file) return;
              e.preventDefault();
              setDragging(false);
              readFile(file);
            }}
            className={`relative rounded-lg ${dragging ? "ring-2 ring-brand-500 ring-offset-2 dark:ring-offset-slate-950" : ""}`}
            data-testid="drop-zone"
          >
            <LimitedTextArea
              label="Text to summarise"
              name="text"
              placeholder="Paste an article, a report, notes… or drop a .txt or .md file here."
              value={text}
              onValueChange={setText}
              limit={LIMIT}
              limitMessage={LIMIT_MESSAGE}
              disabled={noModel}
              className="min-h-64"
              hint={
                keyboard && (
                  <>
                    <Kbd>{mod}</Kbd>+<Kbd>Enter</Kbd> summarises
                  </>
                )
              }
            />
            {dragging && (
              <div className="pointer-events-none absolute inset-0 flex items-center justify-center rounded-lg bg-brand-500/10 text-sm font-medium text-brand-700 dark:text-brand-500">
                Drop the file to load it
              </div>
            )}
          </div>

          <div className="flex flex-wrap items-center gap-3 text-sm">
            <FileButton
              accept=".txt,.md,.markdown,text/plain,text/markdown"
              disabled={noModel}
              onFiles={([file]) => file && readFile(file)}
            >
              Open a .txt or .md file
            </FileButton>
            {fileNote && (
              <span
                role={fileNote.tone === "error" ? "alert" : "status"}
                className={
                  fileNote.tone === "error" ? "text-red-600 dark:text-red-400" : "text-slate-600 dark:text-slate-400"
                }
              >
                {fileNote.text}
              </span>
            )}
          </div>

          <fieldset disabled={noModel}>
            <legend className="text-sm font-medium">Length</legend>
            <div className="mt-1 inline-flex flex-wrap rounded-md border border-slate-300 p-0.5 dark:border-slate-700">
              {LENGTHS.map((l) => (
                <label
                  key={l.value}
                  className="cursor-pointer rounded px-3 py-1.5 text-sm has-checked:bg-brand-600 has-checked:text-white has-focus-visible:ring-2 has-focus-visible:ring-brand-500"
                >
                  <input
                    type="radio"
                    name="length"
                    value={l.value}
                    checked={length === l.value}
                    onChange={() => setLength(l.value)}
                    className="sr-only"
                  />
                  {l.label}
                </label>
              ))}
            </div>
          </fieldset>

          <SummaryKind model={models.find((m) => m.id === modelId)} />

          <div className="flex flex-wrap gap-2">
            <RunOrStop busy={task.busy} label="Summarise" disabled={!canRun} onStop={() => void task.stop()} />
            {(text || task.text) && !task.busy && (
              <Button
                type="button"
                variant="secondary"
                onClick={() => {
                  setText("");
                  setFileNote(undefined);
                  task.reset();
                }}
              >
                Clear
              </Button>
            )}
          </div>
        </AppForm>

        <div className="min-w-0 space-y-3">
          {task.errorMessage && (
            <ErrorBanner message={task.errorMessage} onRetry={task.canRetry ? () => void task.retry() : undefined} />
          )}
          {showResult ? (
            <ResultPanel
              title="Summary"
              busy={task.busy}
              actions={task.text && !task.busy ? <CopyButton text={task.text} label="Copy summary" /> : null}
              footer={
                task.metadata || task.stopped ? (
                  <RunStats metadata={task.metadata} busy={task.busy} stopped={task.stopped} />
                ) : undefined
              }
            >
              {task.busy && progress && <SummaryProgress progress={progress} />}
              <div aria-live="polite" data-testid="summary">
                {task.text ? (
                  <Markdown text={task.text} />
                ) : task.busy ? (
                  !progress && <p className="text-sm text-slate-500 dark:text-slate-400">Reading the text…</p>
                ) : (
                  <p className="text-sm text-slate-500 dark:text-slate-400">
                    {task.stopped ? "Stopped before any summary was written." : "The model returned no text."}
                  </p>
                )}
              </div>
            </ResultPanel>
          ) : (
            !task.errorMessage && (
              <div className="hidden rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500 lg:block dark:border-slate-700 dark:text-slate-400">
                The summary appears here. Long texts are summarised part by part first, then as a whole.
              </div>
            )
          )}
        </div>
      </div>
    </AppPage>
  );
}

function SummaryProgress({ progress }: { progress: Progress }) {
  if (progress.stage === "reduce") {
    return (
      <p role="status" className="mb-2 text-sm text-slate-600 dark:text-slate-400">
        Writing the final summary from the summaries of each part…
      </p>
    );
  }
  const total = progress.total ?? 0;
  const done = progress.done ?? 0;
  const label =
    total > 0
      ? `Summarising part ${Math.min(done + 1, total)} of ${total}${progress.round && progress.round > 1 ? ` (round ${progress.round})` : ""}`
      : "Splitting the text into parts…";
  return (
    <div role="status" className="mb-3 space-y-1">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        The text is longer than the model reads at once. {label}…
      </p>
      <progress
        className="h-2 w-full overflow-hidden rounded-full [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-brand-600 dark:[&::-webkit-progress-bar]:bg-slate-800"
        max={Math.max(total, 1)}
        value={done}
        aria-label="Parts summarised"
      />
    </div>
  );
}
