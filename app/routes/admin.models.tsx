// Every model in the registry: what it is, whether it works, where it runs and how busy it is, and
// which applications use it. Inline updates (assign, default, rename, load, delete) go through
// fetchers to this route's action; refusals land in the banner with the server's reason.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useFetchers, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { APP_TITLES, type AppName } from "../../server/apps";
import { cleanText } from "../../server/common/user-text";
import { publicErrorOf } from "../../server/http-error";
import { APP_LIST } from "~/apps";
import { ModelRow } from "~/components/models/model-row";
import { Alert, buttonClass, NoticeBanner, NoticeProvider, PageHeader, responsiveTable as t } from "~/components/ui";
import type { AdminActionResult } from "~/hooks/use-admin-fetcher";
import { useLiveData } from "~/hooks/use-live-data";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Models · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const models = await context.services.registry.listModels();
  return {
    models: models.map((m) => ({
      id: m.id,
      displayName: m.displayName,
      kind: m.kind,
      architecture: m.architecture,
      parameterCount: m.parameterCount,
      totalBytes: m.files.reduce((sum, f) => sum + f.bytes, 0),
      fileCount: m.files.length,
      status: m.status,
      reason: m.statusReason,
      decodeTokensPerSecond: m.decodeTokensPerSecond,
      loaded: m.loaded,
      device: m.device ?? null,
      deviceFallback: m.deviceFallback ?? null,
      load: m.load ?? null,
      health: m.health ?? null,
      assignments: m.assignments,
    })),
  };
}

const APP_NAMES = APP_LIST.map((a) => a.name) as [AppName, ...AppName[]];
const modelId = cleanText("Model id").min(1).max(128);
const app = z.enum(APP_NAMES);

const modelAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("assign"), modelId, app, assigned: z.enum(["true", "false"]) }),
  z.object({ intent: z.literal("set-default"), modelId, app }),
  z.object({
    intent: z.literal("rename"),
    modelId,
    displayName: cleanText("Display name")
      .trim()
      .min(1, "Give the model a display name.")
      .max(100, "Display names are at most 100 characters."),
  }),
  z.object({ intent: z.literal("load"), modelId }),
  z.object({ intent: z.literal("unload"), modelId }),
  z.object({ intent: z.literal("delete"), modelId }),
]);

const ok = (message?: string): AdminActionResult => ({ ok: true, message });
const refuse = (status: number, error: string) => data<AdminActionResult>({ ok: false, error }, { status });

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(request, context);
  const { values, errors } = await parseForm(request, modelAction);
  if (!values) return refuse(400, Object.values(errors ?? {})[0] ?? "Invalid request.");
  const { registry } = context.services;
  try {
    const row = await registry.getModel(values.modelId);
    if (!row) return refuse(404, `There is no model "${values.modelId}".`);
    const name = `“${row.displayName}”`;
    switch (values.intent) {
      case "assign": {
        if (values.assigned === "false") {
          await registry.unassign(values.app, row.id);
          return ok();
        }
        const current = await registry.modelsForApp(values.app);
        // Already there: leave it (and whether it is the default) as it is.
        if (!current.some((m) => m.id === row.id)) await registry.assign(values.app, row.id, false);
        return ok();
      }
      case "set-default":
        await registry.assign(values.app, row.id, true);
        return ok(`${name} is now the default model for ${APP_TITLES[values.app]}.`);
      case "rename":
        await registry.rename(row.id, values.displayName);
        return ok(`Renamed ${row.id} to “${values.displayName}”.`);
      case "load": {
        if (row.status !== "ready") return refuse(409, `${name} is not ready (${row.status}); it cannot be loaded.`);
        try {
          const model = await registry.load(row.id);
          return ok(`Loaded ${name} into memory (${model.device.toUpperCase()}).`);
        } catch (error) {
          const reason = publicErrorOf(error)?.message ?? (error instanceof Error ? error.message : String(error));
          return refuse(422, `Could not load ${name}: ${reason}`);
        }
      }
      case "unload":
        await registry.unload(row.id);
        return ok(`Unloaded ${name} from memory.`);
      case "delete":
        await registry.remove(row.id);
        return ok(`Deleted ${name} and its files.`);
    }
  } catch (error) {
    const known = publicErrorOf(error);
    if (known) return refuse(known.status, known.message);
    throw error;
  }
}

export default function AdminModels() {
  return (
    <NoticeProvider>
      <ModelsPage />
    </NoticeProvider>
  );
}

function ModelsPage() {
  const { models } = useLoaderData<typeof loader>();
  useLiveData(5000);
  const fetchers = useFetchers();
  // Optimistic defaults: a default being set shows at once, in every row.
  const pendingDefault = new Map<string, string>();
  for (const f of fetchers) {
    if (f.formData?.get("intent") === "set-default") {
      pendingDefault.set(String(f.formData.get("app")), String(f.formData.get("modelId")));
    }
  }

  return (
    <>
      <div className="flex flex-wrap items-start justify-between gap-x-4">
        <PageHeader
          title="Models"
          description="Every model in the registry, where it runs, and which applications use it."
        />
        <div className="mb-6 flex gap-2">
          <Link to="/admin/models/remote" className={buttonClass("secondary")}>
            Add remote engine
          </Link>
          <Link to="/admin/models/new" className={buttonClass("primary")}>
            Upload a model
          </Link>
        </div>
      </div>
      <NoticeBanner />
      {models.length === 0 ? (
        <Alert tone="info">The model registry is empty. Upload a model to get started.</Alert>
      ) : (
        <table className={t.table}>
          <thead className={t.thead}>
            <tr className={t.headRow}>
              <th className={t.th}>Model</th>
              <th className={t.th}>Details</th>
              <th className={t.th}>Status</th>
              <th className={t.th}>Runtime</th>
              <th className={t.th}>Applications</th>
              <th className={t.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className={t.tbody}>
            {models.map((m) => (
              <ModelRow key={m.id} model={m} pendingDefault={pendingDefault} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
