// Upload a model: drop a folder or an archive, name it, choose its applications. The bytes go to
// the upload API (api.admin.uploads.*) with progress; then the server validates the model (loads it,
// runs a test generation) and installs it with one rename, or says why not and discards the upload.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import { z } from "zod";
import type { AppName } from "../../server/apps";
import { APP_TITLES } from "../../server/apps";
import { publicErrorOf } from "../../server/http-error";
import { APP_LIST } from "~/apps";
import { DropZone } from "~/components/upload/drop-zone";
import { modelIdProblem, slugFromName } from "~/components/upload/model-naming";
import { DROPPED_FILES, type Selection } from "~/components/upload/selection";
import { SelectionSummary } from "~/components/upload/selection-summary";
import {
  createUpload,
  discardUpload,
  installUpload,
  sendSelection,
  UploadFailure,
} from "~/components/upload/upload-client";
import { formatBytes } from "../../server/common/format";
import { Alert, alertClass, Button, buttonClass, PageHeader, Spinner, TextField } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Upload a model · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const models = await context.services.registry.listModels();
  return { existingIds: models.map((m) => m.id), maxUploadBytes: context.services.config.maxUploadBytes };
}

const APP_NAMES = APP_LIST.map((a) => a.name) as [AppName, ...AppName[]];

const assignRequest = z.object({
  intent: z.literal("assign"),
  modelId: z.string().min(1).max(128),
  apps: z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.enum(APP_NAMES)).max(APP_NAMES.length)),
});

/** After an install: assigns the new model to the chosen applications, each result on its own. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(request, context);
  const { values } = await parseForm(request, assignRequest);
  if (!values) return data({ results: [], error: "Invalid request." }, { status: 400 });
  const results: { app: AppName; title: string; error?: string }[] = [];
  for (const app of values.apps) {
    try {
      await context.services.registry.assign(app, values.modelId, false);
      results.push({ app, title: APP_TITLES[app] });
    } catch (error) {
      const known = publicErrorOf(error);
      if (!known) throw error;
      results.push({ app, title: APP_TITLES[app], error: known.message });
    }
  }
  return { results, error: null };
}

type Phase =
  | { step: "choose" }
  | { step: "uploading" }
  | { step: "validating" }
  | { step: "done"; model: { id: string; displayName: string; kind: string } }
  | { step: "failed"; error: string; cancelled?: boolean; keptUploadId?: string };

export default function UploadModel() {
  const { existingIds, maxUploadBytes } = useLoaderData<typeof loader>();
  const [selection, setSelection] = useState<Selection>();
  const [problem, setProblem] = useState<string>();
  const [modelId, setModelId] = useState("");
  const [idEdited, setIdEdited] = useState(false);
  const [displayName, setDisplayName] = useState("");
  const [apps, setApps] = useState<AppName[]>([]);
  const [phase, setPhase] = useState<Phase>({ step: "choose" });
  const [progress, setProgress] = useState<{ sent: number; total: number }>();
  const [triedSubmit, setTriedSubmit] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const assignFetcher = useFetcher<typeof action>();
  const progressId = useId();

  const busy = phase.step === "uploading" || phase.step === "validating";
  const idProblem = modelIdProblem(modelId, existingIds);
  const tooLarge = selection && selection.bytes > maxUploadBytes;

  // Leaving mid-upload would abandon it: ask first.
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [busy]);

  function choose(next: Selection) {
    setProblem(undefined);
    setSelection(next);
    setPhase({ step: "choose" });
    setProgress(undefined);
    if (!idEdited) setModelId(slugFromName(next.name === DROPPED_FILES ? "" : next.name));
  }

  async function install(uploadId: string) {
    setPhase({ step: "validating" });
    let outcome;
    try {
      outcome = await installUpload(uploadId, { modelId, displayName: displayName.trim() });
    } catch {
      setPhase({ step: "failed", error: "The server could not be reached to install the model. Try again." });
      return;
    }
    if (outcome.ok) {
      setPhase({ step: "done", model: outcome.model });
      if (apps.length > 0) {
        assignFetcher.submit({ intent: "assign", modelId: outcome.model.id, apps: apps.join(",") }, { method: "post" });
      }
      return;
    }
    // A taken id leaves the upload on the server: the admin may pick another id and install it.
    const kept = outcome.status === 409 && /already installed/i.test(outcome.error) ? uploadId : undefined;
    setPhase({ step: "failed", error: outcome.error, keptUploadId: kept });
  }

  async function start() {
    setTriedSubmit(true);
    if (!selection || idProblem || tooLarge) return;
    if (phase.step === "failed" && phase.keptUploadId) return install(phase.keptUploadId);

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
    await install(uploadId);
  }

  function reset() {
    setSelection(undefined);
    setModelId("");
    setIdEdited(false);
    setDisplayName("");
    setApps([]);
    setPhase({ step: "choose" });
    setProgress(undefined);
    setTriedSubmit(false);
  }

  const percent = progress ? (progress.total === 0 ? 100 : Math.floor((progress.sent / progress.total) * 100)) : 0;
  const locked = busy || phase.step === "done";

  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/models" className="text-brand-600 underline dark:text-brand-500">
          ← Models
        </Link>
      </p>
      <PageHeader
        title="Upload a model"
        description="A fine-tuned ONNX model in the Hugging Face / Optimum layout. It is loaded and test-run before anyone can use it."
      />

      <form
        className="max-w-3xl space-y-6"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <section aria-labelledby="upload-files" className="space-y-3">
          <h2 id="upload-files" className="text-lg font-semibold">
            1. Files
          </h2>
          {selection && !locked ? (
            <div className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
              <div className="min-w-0 flex-1">
                <SelectionSummary selection={selection} />
              </div>
              <Button type="button" variant="secondary" size="sm" onClick={() => setSelection(undefined)}>
                Choose other files
              </Button>
            </div>
          ) : selection ? (
            <div className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
              <SelectionSummary selection={selection} />
            </div>
          ) : (
            <DropZone onSelect={choose} onProblem={setProblem} disabled={locked} />
          )}
          {problem && <Alert>{problem}</Alert>}
          {tooLarge && (
            <Alert>
              This is {formatBytes(selection.bytes)}; the server accepts at most {formatBytes(maxUploadBytes)} per
              upload (LOOM_MAX_UPLOAD_BYTES).
            </Alert>
          )}
          {triedSubmit && !selection && <Alert>Choose an archive or a model folder first.</Alert>}
        </section>

        <section aria-labelledby="upload-details" className="space-y-4">
          <h2 id="upload-details" className="text-lg font-semibold">
            2. Details
          </h2>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label="Model id"
              name="modelId"
              value={modelId}
              onChange={(e) => {
                setModelId(e.target.value.trim());
                setIdEdited(true);
              }}
              disabled={locked}
              autoComplete="off"
              spellCheck={false}
              placeholder="my-model"
              error={!locked && (triedSubmit || modelId) && idProblem ? idProblem : undefined}
            />
            <TextField
              label="Display name (optional)"
              name="displayName"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              disabled={locked}
              maxLength={100}
              placeholder="From config.json, else the id"
            />
          </div>
          <p className="-mt-2 text-xs text-slate-600 dark:text-slate-400">
            The id names the model&apos;s folder in the store; it cannot be changed later (the display name can).
          </p>
          <fieldset disabled={locked}>
            <legend className="text-sm font-medium">Assign to applications</legend>
            <p className="text-xs text-slate-600 dark:text-slate-400">
              Optional: you can also assign it later on the models page, and choose the default there.
            </p>
            <div className="mt-2 flex flex-wrap gap-x-5 gap-y-2">
              {APP_LIST.map((app) => (
                <label key={app.name} className="inline-flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="size-4 accent-brand-600"
                    checked={apps.includes(app.name)}
                    onChange={(e) =>
                      setApps((current) =>
                        e.target.checked ? [...current, app.name] : current.filter((a) => a !== app.name),
                      )
                    }
                  />
                  {app.title}
                </label>
              ))}
            </div>
          </fieldset>
        </section>

        <div className="flex flex-wrap items-center gap-3">
          {phase.step !== "done" && (
            <Button type="submit" disabled={busy}>
              {phase.step === "failed" && phase.keptUploadId ? "Install under this id" : "Upload and install"}
            </Button>
          )}
          {phase.step === "uploading" && (
            <Button type="button" variant="secondary" size="sm" onClick={() => abortRef.current?.abort()}>
              Cancel upload
            </Button>
          )}
        </div>

        {progress && (
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
                    <AssignmentResults fetcher={assignFetcher} />
                  </div>
                )}
              </li>
            </ol>
          </section>
        )}

        {phase.step === "failed" && (
          <Alert>
            <p className="font-medium">
              {phase.cancelled
                ? "Upload cancelled."
                : phase.keptUploadId
                  ? "Not installed:"
                  : "The model was not installed:"}
            </p>
            {!phase.cancelled && <p className="mt-1 break-words">{phase.error}</p>}
            {!phase.cancelled && !phase.keptUploadId && (
              <p className="mt-1">The upload was discarded; nothing was added to the model store.</p>
            )}
            {phase.keptUploadId && <p className="mt-1">Choose another model id and install again (no new upload).</p>}
          </Alert>
        )}

        {phase.step === "done" && (
          <div className="flex flex-wrap gap-3">
            <Link to="/admin/models" className={buttonClass("primary")}>
              Go to models
            </Link>
            <Button type="button" variant="secondary" size="sm" onClick={reset}>
              Upload another model
            </Button>
          </div>
        )}
      </form>
    </>
  );
}

function AssignmentResults({ fetcher }: { fetcher: ReturnType<typeof useFetcher<typeof action>> }) {
  if (fetcher.state !== "idle" && !fetcher.data) return <p className="mt-1">Assigning to applications…</p>;
  const results = fetcher.data?.results ?? [];
  if (fetcher.data?.error) return <p className="mt-1">Not assigned: {fetcher.data.error}</p>;
  if (results.length === 0) return null;
  const done = results.filter((r) => !r.error);
  const refused = results.filter((r) => r.error);
  return (
    <>
      {done.length > 0 && <p className="mt-1">Assigned to {done.map((r) => r.title).join(", ")}.</p>}
      {refused.map((r) => (
        <p key={r.app} className="mt-1">
          Not assigned to {r.title}: {r.error}
        </p>
      ))}
    </>
  );
}
