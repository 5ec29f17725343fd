import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import { INPUT_LIMITS } from "../../server/apps/limits";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { CodeEditor, type CodeEditorHandle, type EditorLanguage } from "~/components/code-editor";
import { APP_FORM_ID, CharCount, ErrorBanner, RunOrStop, RunStats } from "~/components/one-shot";
import { Button, Kbd, Select, Spinner } from "~/components/ui";
import { useFinePointer } from "~/hooks/use-fine-pointer";
import { useHydrated, useModKeyLabel } from "~/hooks/use-hydrated";
import { useSelectedModel } from "~/hooks/use-selected-model";
import { useOneShotStream } from "~/hooks/use-one-shot-stream";
import type { RunMetadata } from "../../server/generation/run-metadata";

export const meta: MetaFunction = () => [{ title: "Code · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "code");

// The same list as CODE_LANGUAGES in server/apps/code.ts (the server validates against it).
const LANGUAGES: { value: EditorLanguage; label: string }[] = [
  { value: "typescript", label: "TypeScript" },
  { value: "javascript", label: "JavaScript" },
  { value: "python", label: "Python" },
  { value: "go", label: "Go" },
  { value: "rust", label: "Rust" },
  { value: "java", label: "Java" },
  { value: "c", label: "C" },
  { value: "cpp", label: "C++" },
  { value: "shell", label: "Shell" },
];

const LIMIT = INPUT_LIMITS.codeContext;
const LIMIT_MESSAGE = `Code context is limited to ${LIMIT.toLocaleString("en")} characters: only the last ${LIMIT.toLocaleString("en")} before the cursor (and the first after it) are sent.`;
/** Pause after typing before a suggestion is asked for. */
const DEBOUNCE_MS = 600;

type Mode = "inline" | "block";

export default function Code() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  const modelId = useSelectedModel(models);
  const hydrated = useHydrated();
  const mod = useModKeyLabel();
  // Key hints only where there is a keyboard to press them on (as the chat composer).
  const keyboard = useFinePointer();
  const [lastStats, setLastStats] = useState<RunMetadata>();
  const task = useOneShotStream("/api/code", {
    onFinish: (message, { isAbort, isError }) => {
      if (!isAbort && !isError && message.metadata?.status === "completed") setLastStats(message.metadata);
    },
  });
  const [language, setLanguage] = useState<EditorLanguage>("typescript");
  const [autoSuggest, setAutoSuggest] = useState(true);
  const [docLength, setDocLength] = useState(0);
  /** Where the suggestion being streamed goes; null when none is wanted any more. */
  const [anchor, setAnchor] = useState<{ pos: number; mode: Mode } | null>(null);
  const editor = useRef<CodeEditorHandle>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const hintId = useId();

  const noModel = models.length === 0;
  const ghostText = anchor ? task.text : "";

  // Stream the suggestion into the editor as ghost text at the cursor it was asked for.
  useEffect(() => {
    if (anchor) editor.current?.showGhost(anchor.pos, task.text);
  }, [anchor, task.text]);

  useEffect(() => () => clearTimeout(timer.current), []);

  function request(mode: Mode) {
    clearTimeout(timer.current);
    if (noModel) return;
    const context = editor.current?.cursorContext();
    if (!context || !context.prefix.trim()) return;
    editor.current?.clearGhost();
    task.reset();
    setAnchor({ pos: context.pos, mode });
    // The nearest code on both sides of the cursor; the server fits it to the model (a model
    // without fill-in-the-middle reads only the code before).
    const suffix = context.suffix.slice(0, LIMIT);
    void task.run({ code: context.prefix.slice(-LIMIT), suffix, language, mode, modelId });
    if (mode === "block") editor.current?.focus();
  }

  /** Typing, moving away or Esc: the suggestion goes and the request in flight is aborted. */
  function cancel() {
    clearTimeout(timer.current);
    const active = anchor !== null || task.busy;
    setAnchor(null);
    editor.current?.clearGhost();
    if (active) {
      void task.stop();
      task.reset();
    }
    return active;
  }

  function accept() {
    editor.current?.acceptGhost();
    editor.current?.focus();
  }

  const waiting = anchor !== null && task.busy && !task.text;
  const suggestionShown = anchor !== null && !!ghostText;

  return (
    <AppPage app={APP_INFO.code} models={models} isAdmin={isAdmin}>
      <form
        id={APP_FORM_ID}
        data-hydrated={hydrated || undefined}
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          request("block");
        }}
      >
        <div className="flex flex-wrap items-end gap-x-4 gap-y-2">
          <div className="w-44">
            <Select
              label="Language"
              name="language"
              value={language}
              onChange={(e) => {
                cancel();
                setLanguage(e.target.value as EditorLanguage);
              }}
              options={LANGUAGES}
            />
          </div>
          <label className="flex items-center gap-2 pb-2 text-sm">
            <input
              type="checkbox"
              checked={autoSuggest}
              onChange={(e) => {
                if (!e.target.checked) clearTimeout(timer.current);
                setAutoSuggest(e.target.checked);
              }}
              className="size-4 rounded border-slate-300 accent-brand-600"
            />
            Suggest as I type
          </label>
        </div>

        <div>
          <span className="block text-sm font-medium" id={`${hintId}-label`}>
            Code
          </span>
          <div className="mt-1">
            <CodeEditor
              ref={editor}
              label="Code"
              describedBy={hintId}
              initialDoc=""
              language={language}
              placeholder={noModel ? "No model is assigned to Code yet." : "function fibonacci(n) {"}
              onEdit={(doc) => {
                setDocLength(doc.length);
                cancel();
                if (autoSuggest && !noModel) timer.current = setTimeout(() => request("inline"), DEBOUNCE_MS);
              }}
              onCursorMove={() => {
                if (anchor !== null) cancel();
              }}
              onRequestInline={() => request("inline")}
              onRequestBlock={() => request("block")}
              onEscape={cancel}
            />
          </div>
          <div className="mt-1 flex flex-wrap items-start justify-between gap-x-4 gap-y-1 text-xs">
            <p id={hintId} className="text-slate-500 dark:text-slate-400">
              {keyboard ? (
                <>
                  {autoSuggest ? "Pause typing or press " : "Press "}
                  <Kbd>{mod}</Kbd>+<Kbd>Space</Kbd> for a suggestion, <Kbd>{mod}</Kbd>+<Kbd>Enter</Kbd> for a longer
                  one. <Kbd>Tab</Kbd> accepts, <Kbd>Esc</Kbd> dismisses.
                </>
              ) : (
                `${autoSuggest ? "Pause typing or tap" : "Tap"} Complete for a suggestion.`
              )}
            </p>
            <CharCount length={docLength} limit={LIMIT} limitMessage={LIMIT_MESSAGE} />
          </div>
        </div>

        <div className="flex flex-wrap items-center gap-2">
          <RunOrStop busy={task.busy} label="Complete" disabled={noModel || docLength === 0} onStop={() => cancel()} />
          {suggestionShown && (
            <>
              <Button type="button" variant="secondary" onClick={accept}>
                Accept {keyboard && <Kbd>Tab</Kbd>}
              </Button>
              <Button
                type="button"
                variant="secondary"
                onClick={() => {
                  cancel();
                  editor.current?.focus();
                }}
              >
                Dismiss {keyboard && <Kbd>Esc</Kbd>}
              </Button>
            </>
          )}
          <p
            className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400"
            role="status"
            aria-live="polite"
          >
            {waiting && (
              <>
                <Spinner className="text-brand-600 dark:text-brand-500" />
                {anchor?.mode === "block" ? "Writing a completion…" : "Thinking…"}
              </>
            )}
            {suggestionShown && !task.busy && (
              <span>
                <span className="sr-only">Suggestion: {ghostText}. </span>Tab accepts the suggestion.
              </span>
            )}
            {anchor !== null &&
              !task.busy &&
              !task.errorMessage &&
              task.metadata?.status === "completed" &&
              !ghostText && <span>The model had no suggestion here.</span>}
          </p>
        </div>

        {task.errorMessage && (
          <ErrorBanner
            message={task.errorMessage}
            onRetry={task.canRetry ? () => request(anchor?.mode ?? "block") : undefined}
          />
        )}

        {lastStats && (
          <div className="border-t border-slate-200 pt-2 dark:border-slate-800">
            <span className="sr-only">Last suggestion: </span>
            <RunStats metadata={lastStats} />
          </div>
        )}
      </form>
    </AppPage>
  );
}
