// Upload a model: drop a folder or an archive, name it, choose its applications. The bytes go to
// the upload API (api.admin.uploads.*) with progress; then the server validates the model (loads it,
// runs a test generation) and installs it with one rename, or says why not and discards the upload.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { ArrowLeft } from "lucide-react";
import { useState } from "react";
import { z } from "zod";
import type { AppName } from "../../server/apps";
import { APP_TITLES } from "../../server/apps";
import { cleanText } from "../../server/common/user-text";
import { publicErrorOf } from "../../server/http-error";
import { APP_LIST } from "~/apps";
import { DetailsStep } from "~/components/upload/details-step";
import { FilesStep } from "~/components/upload/files-step";
import { modelIdProblem, slugFromName } from "~/components/upload/model-naming";
import { DROPPED_FILES, type Selection } from "~/components/upload/selection";
import { UploadFailed } from "~/components/upload/upload-failed";
import { UploadProgress } from "~/components/upload/upload-progress";
import { Button, buttonClass, PageHeader } from "~/components/ui";
import { useModelUpload } from "~/hooks/use-model-upload";
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
  modelId: cleanText("Model id").min(1).max(128),
  apps: z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.enum(APP_NAMES)).max(APP_NAMES.length)),
});

/** After an install: assigns the new model to the chosen applications, each result on its own. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(request, context);
  const { values, errors } = await parseForm(request, assignRequest);
  if (!values)
    return data({ results: [], error: Object.values(errors ?? {})[0] ?? "Invalid request." }, { status: 400 });
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

export default function UploadModel() {
  const { existingIds, maxUploadBytes } = useLoaderData<typeof loader>();
  const [selection, setSelection] = useState<Selection>();
  const [problem, setProblem] = useState<string>();
  const [modelId, setModelId] = useState("");
  const [idEdited, setIdEdited] = useState(false);
  const [displayName, setDisplayName] = useState("");
  const [apps, setApps] = useState<AppName[]>([]);
  const [triedSubmit, setTriedSubmit] = useState(false);
  const assignFetcher = useFetcher<typeof action>();
  const upload = useModelUpload({
    onInstalled: (model) => {
      if (apps.length > 0) {
        assignFetcher.submit({ intent: "assign", modelId: model.id, apps: apps.join(",") }, { method: "post" });
      }
    },
  });
  const { phase, progress, busy } = upload;

  const idProblem = modelIdProblem(modelId, existingIds);
  const tooLarge = selection && selection.bytes > maxUploadBytes;
  const locked = busy || phase.step === "done";

  function choose(next: Selection) {
    setProblem(undefined);
    setSelection(next);
    upload.clear();
    if (!idEdited) setModelId(slugFromName(next.name === DROPPED_FILES ? "" : next.name));
  }

  function start() {
    setTriedSubmit(true);
    if (!selection || idProblem || tooLarge) return;
    void upload.start(selection, { modelId, displayName });
  }

  function reset() {
    setSelection(undefined);
    setModelId("");
    setIdEdited(false);
    setDisplayName("");
    setApps([]);
    upload.clear();
    setTriedSubmit(false);
  }

  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/models" className="text-brand-600 underline dark:text-brand-500">
          <ArrowLeft aria-hidden="true" className="inline size-4" /> Models
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
          start();
        }}
      >
        <FilesStep
          selection={selection}
          locked={locked}
          problem={problem}
          maxUploadBytes={maxUploadBytes}
          triedSubmit={triedSubmit}
          onChoose={choose}
          onChooseOther={() => setSelection(undefined)}
          onProblem={setProblem}
        />

        <DetailsStep
          modelId={modelId}
          idError={!locked && (triedSubmit || modelId) && idProblem ? idProblem : undefined}
          displayName={displayName}
          apps={apps}
          locked={locked}
          onModelIdChange={(id) => {
            setModelId(id);
            setIdEdited(true);
          }}
          onDisplayNameChange={setDisplayName}
          onAppToggle={(app, assign) =>
            setApps((current) => (assign ? [...current, app] : current.filter((a) => a !== app)))
          }
        />

        <div className="flex flex-wrap items-center gap-3">
          {phase.step !== "done" && (
            <Button type="submit" disabled={busy}>
              {phase.step === "failed" && phase.keptUploadId ? "Install under this id" : "Upload and install"}
            </Button>
          )}
          {phase.step === "uploading" && (
            <Button type="button" variant="secondary" size="sm" onClick={upload.cancel}>
              Cancel upload
            </Button>
          )}
        </div>

        {progress && (
          <UploadProgress progress={progress} phase={phase} selection={selection}>
            <AssignmentResults fetcher={assignFetcher} />
          </UploadProgress>
        )}

        {phase.step === "failed" && <UploadFailed phase={phase} />}

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
