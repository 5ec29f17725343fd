import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useId, useRef, useState } from "react";
import { INPUT_LIMITS } from "../../server/apps/limits";
import type { SentimentResponse } from "../../server/apps/sentiment";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { parseCsvTexts, parseLines, resultsToCsv } from "../../server/apps/sentiment";
import { LabelChart, ResultItem, labelsOf } from "~/components/sentiment-results";
import { ErrorBanner, ResultPanel, RunOrStop, AppForm } from "~/components/one-shot";
import { Button, cx, fieldClass, FileButton, formatCount, Kbd, Label } from "~/components/ui";
import { useFinePointer } from "~/hooks/use-fine-pointer";
import { useAdoptTypedText, useHydrated, useModKeyLabel } from "~/hooks/use-hydrated";
import { useSelectedModel } from "~/hooks/use-selected-model";
import { errorOfResponse, readRequestError, type RequestError } from "~/hooks/request-error";
import { listOfLanguages } from "../../server/apps/languages";

export const meta: MetaFunction = () => [{ title: "Sentiment · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "sentiment");

const MAX_TEXTS = INPUT_LIMITS.sentimentTexts;
const MAX_TEXT = INPUT_LIMITS.sentimentTextChars;
const MAX_TOTAL = INPUT_LIMITS.sentimentTotalChars;

/** What is wrong with a batch before it is sent (the server checks the same limits). */
function limitProblem(texts: string[]): string | undefined {
  if (texts.length > MAX_TEXTS) return `At most ${MAX_TEXTS} texts at once (this has ${formatCount(texts.length)}).`;
  const long = texts.findIndex((t) => t.length > MAX_TEXT);
  if (long !== -1) {
    return `Each text is limited to ${formatCount(MAX_TEXT)} characters (text ${long + 1} has ${formatCount(texts[long]!.length)}).`;
  }
  const total = texts.reduce((n, t) => n + t.length, 0);
  if (total > MAX_TOTAL) return `All texts together are limited to ${formatCount(MAX_TOTAL)} characters.`;
  return undefined;
}

export default function Sentiment() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  const modelId = useSelectedModel(models);
  const hydrated = useHydrated();
  const mod = useModKeyLabel();
  // Key hints only where there is a keyboard to press them on (as the chat composer).
  const keyboard = useFinePointer();
  const [input, setInput] = useState("");
  const [perLine, setPerLine] = useState(true);
  const [csv, setCsv] = useState<{ name: string; texts: string[] }>();
  const [fileError, setFileError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<RequestError>();
  const [data, setData] = useState<SentimentResponse>();
  const abort = useRef<AbortController | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  useAdoptTypedText(inputRef, input, setInput);
  const [lastTexts, setLastTexts] = useState<string[]>([]);
  const ids = { input: useId(), count: useId() };

  const noModel = models.length === 0;
  const texts = csv ? csv.texts : perLine ? parseLines(input) : input.trim() ? [input.trim()] : [];
  const problem = limitProblem(texts);
  const totalChars = texts.reduce((n, t) => n + t.length, 0);
  const canRun = !noModel && !busy && texts.length > 0 && !problem;

  async function analyse(batch: string[]) {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setLastTexts(batch);
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch("/api/sentiment", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ texts: batch, modelId }),
        signal: controller.signal,
      });
      if (!response.ok) throw await errorOfResponse(response);
      setData((await response.json()) as SentimentResponse);
    } catch (e) {
      if (controller.signal.aborted) return;
      setError(readRequestError(e as Error));
    } finally {
      if (abort.current === controller) {
        abort.current = null;
        setBusy(false);
      }
    }
  }

  function run() {
    if (canRun) void analyse(texts);
  }

  function loadCsv(file: File) {
    setFileError(undefined);
    if (!/\.(csv|tsv|txt)$/i.test(file.name) && !/csv|text\/plain/.test(file.type)) {
      setFileError(`“${file.name}” is not a CSV file.`);
      return;
    }
    if (file.size > MAX_TOTAL * 4 + 64 * 1024) {
      setFileError(
        `“${file.name}” is too large: all texts together are limited to ${formatCount(MAX_TOTAL)} characters.`,
      );
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      try {
        const parsed = parseCsvTexts(String(reader.result ?? ""));
        if (parsed.length === 0) {
          setFileError(`“${file.name}” has no texts.`);
          return;
        }
        setCsv({ name: file.name, texts: parsed });
      } catch (e) {
        setFileError(`“${file.name}” could not be read as CSV: ${(e as Error).message}`);
      }
    };
    reader.onerror = () => setFileError(`“${file.name}” could not be read.`);
    reader.readAsText(file);
  }

  function exportCsv() {
    if (!data) return;
    const blob = new Blob([resultsToCsv(data.results)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = "sentiment-results.csv";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const labels = data ? labelsOf(data.results) : [];

  return (
    <AppPage app={APP_INFO.sentiment} models={models} isAdmin={isAdmin}>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <AppForm onRun={run} hydrated={hydrated} className="min-w-0 space-y-4">
          {csv ? (
            <div className="rounded-md border border-slate-300 p-3 text-sm dark:border-slate-700" role="status">
              <p>
                <span className="font-medium">{csv.name}</span>: {formatCount(csv.texts.length)} texts
              </p>
              <ol className="mt-2 max-h-40 list-decimal space-y-0.5 overflow-auto pl-6 text-xs text-slate-600 dark:text-slate-400">
                {csv.texts.slice(0, 20).map((t, i) => (
                  <li key={i} className="truncate">
                    {t}
                  </li>
                ))}
                {csv.texts.length > 20 && (
                  <li className="list-none">… and {formatCount(csv.texts.length - 20)} more</li>
                )}
              </ol>
              <Button type="button" variant="secondary" className="mt-2" onClick={() => setCsv(undefined)}>
                Remove the file
              </Button>
            </div>
          ) : (
            <div>
              <Label htmlFor={ids.input}>{perLine ? "Texts (one per line)" : "Text"}</Label>
              <textarea
                ref={inputRef}
                id={ids.input}
                name="texts"
                value={input}
                onChange={(e) => setInput(e.target.value)}
                disabled={noModel}
                placeholder={perLine ? "I loved it.\nThe service was slow." : "Paste a review, a comment, a message…"}
                aria-invalid={problem ? true : undefined}
                aria-describedby={ids.count}
                className={cx(fieldClass(), "mt-1 min-h-48 resize-y")}
              />
            </div>
          )}

          <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-1 text-xs">
            <span className="text-slate-500 dark:text-slate-400">
              {keyboard && (
                <>
                  <Kbd>{mod}</Kbd>+<Kbd>Enter</Kbd> analyses
                </>
              )}
            </span>
            <span
              id={ids.count}
              aria-live="polite"
              className={
                problem
                  ? "font-medium text-red-600 dark:text-red-400"
                  : "text-slate-500 tabular-nums dark:text-slate-400"
              }
            >
              {problem ??
                `${formatCount(texts.length)} ${texts.length === 1 ? "text" : "texts"} · ${formatCount(totalChars)} / ${formatCount(MAX_TOTAL)} characters`}
            </span>
          </div>

          {!csv && (
            <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm" disabled={noModel}>
              <legend className="sr-only">How to read the box</legend>
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="split"
                  checked={perLine}
                  onChange={() => setPerLine(true)}
                  className="accent-brand-600"
                />
                Each line is a text
              </label>
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="split"
                  checked={!perLine}
                  onChange={() => setPerLine(false)}
                  className="accent-brand-600"
                />
                The whole box is one text
              </label>
            </fieldset>
          )}

          <div className="flex flex-wrap items-center gap-2">
            <RunOrStop busy={busy} label="Analyse" disabled={!canRun} onStop={() => abort.current?.abort()} />
            <FileButton accept=".csv,text/csv" disabled={noModel} onFiles={([file]) => file && loadCsv(file)}>
              Upload a CSV
            </FileButton>
          </div>
          {fileError && (
            <p role="alert" className="text-sm text-red-600 dark:text-red-400">
              {fileError}
            </p>
          )}
          <p className="text-xs text-slate-500 dark:text-slate-400">
            A CSV file is read from its <code>text</code> (or <code>review</code>, <code>comment</code>…) column, else
            its first column. Long texts also get a sentence-by-sentence breakdown.
          </p>
        </AppForm>

        <div className="min-w-0 space-y-3">
          {error && (
            <ErrorBanner
              message={error.message}
              onRetry={error.retryable ? () => void analyse(lastTexts) : undefined}
            />
          )}
          {busy && !data && (
            <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
              Analysing {formatCount(lastTexts.length)} {lastTexts.length === 1 ? "text" : "texts"}…
            </p>
          )}
          {data && (
            <ResultPanel
              title="Results"
              busy={busy}
              actions={
                <Button type="button" variant="secondary" size="sm" onClick={exportCsv}>
                  Export CSV
                </Button>
              }
              footer={
                <p className="text-xs text-slate-500 dark:text-slate-400" aria-label="Run statistics">
                  <span className="font-medium text-slate-600 dark:text-slate-300" title="Model that answered">
                    {data.model.name}
                  </span>{" "}
                  ·{" "}
                  <span data-testid="sentiment-method">
                    {data.model.method === "classifier"
                      ? "sentiment classifier"
                      : data.model.method === "generated"
                        ? "label answered by the remote engine"
                        : "zero-shot scoring with the chat model"}
                  </span>{" "}
                  {data.model.languages && <> · reads {listOfLanguages(Object.values(data.model.languages))}</>} ·{" "}
                  {formatCount(data.stats.tokens)} tokens · {(data.stats.durationMs / 1000).toFixed(2)} s
                </p>
              }
            >
              <div className="space-y-4" aria-live="polite">
                {data.results.length > 1 && <LabelChart results={data.results} labels={labels} />}
                <ol className="space-y-2" aria-label="Texts and their labels">
                  {data.results.map((r, i) => (
                    <ResultItem key={i} result={r} labels={labels} index={i} />
                  ))}
                </ol>
              </div>
            </ResultPanel>
          )}
          {!data && !busy && !error && (
            <div className="hidden rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500 lg:block dark:border-slate-700 dark:text-slate-400">
              Labels and confidences appear here; for several texts, a chart of how they divide.
            </div>
          )}
        </div>
      </div>
    </AppPage>
  );
}
