// Every model in the registry: what it is, whether it works, where it runs and how busy it is, and
// which applications use it. Inline updates (assign, default, rename, load, delete) go through
// fetchers to this route's action; refusals land in the banner with the server's reason.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useFetchers, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { APP_TITLES, type AppName } from "../../server/apps";
import { formatBytes } from "../../server/common/format";
import { publicErrorOf } from "../../server/http-error";
import { APP_LIST } from "~/apps";
import { StatusBadge } from "~/components/models/status-badge";
import {
  Alert,
  Button,
  buttonClass,
  CellLabel,
  fieldClass,
  formatCompact,
  formatRate,
  NoticeBanner,
  NoticeProvider,
  PageHeader,
  responsiveTable as t,
} from "~/components/ui";
import { useAdminFetcher, type AdminActionResult } from "~/hooks/use-admin-fetcher";
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
      load: m.load ?? null,
      assignments: m.assignments,
    })),
  };
}

type ModelView = Awaited<ReturnType<typeof loader>>["models"][number];

const APP_NAMES = APP_LIST.map((a) => a.name) as [AppName, ...AppName[]];
const modelId = z.string().min(1).max(128);
const app = z.enum(APP_NAMES);

const modelAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("assign"), modelId, app, assigned: z.enum(["true", "false"]) }),
  z.object({ intent: z.literal("set-default"), modelId, app }),
  z.object({
    intent: z.literal("rename"),
    modelId,
    displayName: z
      .string()
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

/** Reloads the data every few seconds while the page is visible and nothing is being submitted. */
function useLiveData(intervalMs: number) {
  const revalidator = useRevalidator();
  const fetchers = useFetchers();
  const busy = revalidator.state !== "idle" || fetchers.some((f) => f.state !== "idle");
  const state = useRef({ busy, revalidate: revalidator.revalidate });
  useEffect(() => {
    state.current = { busy, revalidate: revalidator.revalidate };
  });
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && !state.current.busy) state.current.revalidate();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
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
        <Link to="/admin/models/new" className={`${buttonClass("primary")} mb-6`}>
          Upload a model
        </Link>
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

const KIND_LABELS: Record<string, string> = {
  "causal-lm": "Language model",
  classifier: "Classifier",
  seq2seq: "Sequence-to-sequence",
};

function Facts({ items, nowrap }: { items: [string, React.ReactNode][]; nowrap?: boolean }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
      {items.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
          <dd className={nowrap ? "whitespace-nowrap" : "min-w-0 break-words"}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ModelRow({ model, pendingDefault }: { model: ModelView; pendingDefault: Map<string, string> }) {
  return (
    <tr className={t.row}>
      <td className={`${t.cell} min-w-44`}>
        <NameCell model={model} />
      </td>
      <td className={t.cell}>
        <CellLabel>Details</CellLabel>
        <Facts
          items={[
            ["Kind", KIND_LABELS[model.kind] ?? model.kind],
            ["Architecture", model.architecture ?? "—"],
            ["Parameters", model.parameterCount ? formatCompact(model.parameterCount) : "—"],
            [
              "Size",
              model.fileCount === 0
                ? "—"
                : `${formatBytes(model.totalBytes)} · ${model.fileCount} ${model.fileCount === 1 ? "file" : "files"}`,
            ],
          ]}
        />
      </td>
      <td className={`${t.cell} md:max-w-64`}>
        <CellLabel>Status</CellLabel>
        <StatusBadge status={model.status} />
        {model.reason && (
          <p className="mt-1 text-xs break-words text-red-700 dark:text-red-300" title={model.reason}>
            {model.reason}
          </p>
        )}
      </td>
      <td className={t.cell}>
        <CellLabel>Runtime</CellLabel>
        <Facts
          nowrap
          items={[
            ["Memory", model.loaded ? "loaded" : "not loaded"],
            ["EP", model.device ? model.device.toUpperCase() : "—"],
            ["Load", model.load ? `${model.load.active} active · ${model.load.waiting} waiting` : "—"],
            ["Decode", <span title="Measured at validation">{formatRate(model.decodeTokensPerSecond)}</span>],
          ]}
        />
      </td>
      <td className={t.cell}>
        <CellLabel>Applications</CellLabel>
        <ul className="space-y-1 max-md:grid max-md:grid-cols-2 max-md:gap-x-3 max-md:gap-y-1 max-md:space-y-0">
          {APP_LIST.map((a) => {
            const assignment = model.assignments.find((x) => x.app === a.name);
            const pending = pendingDefault.get(a.name);
            return (
              <li key={a.name}>
                <AppAssignment
                  model={model}
                  app={a.name}
                  assigned={Boolean(assignment)}
                  isDefault={pending ? pending === model.id : Boolean(assignment?.isDefault)}
                />
              </li>
            );
          })}
        </ul>
      </td>
      <td className={t.cell}>
        <ModelActions model={model} />
      </td>
    </tr>
  );
}

function NameCell({ model }: { model: ModelView }) {
  const [editing, setEditing] = useState(false);
  const fetcher = useAdminFetcher();
  const renameButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (wasEditing.current && !editing) renameButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const pendingName = fetcher.formData?.get("displayName");
  const shown = typeof pendingName === "string" ? pendingName.trim() : model.displayName;

  if (editing) {
    return (
      <fetcher.Form
        method="post"
        className="flex flex-wrap items-center gap-2"
        onSubmit={() => setEditing(false)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      >
        <input type="hidden" name="intent" value="rename" />
        <input type="hidden" name="modelId" value={model.id} />
        <input
          name="displayName"
          defaultValue={model.displayName}
          aria-label={`Display name of ${model.id}`}
          // The admin just asked to edit this field.
          autoFocus
          required
          maxLength={100}
          className={`${fieldClass("sm")} max-w-56`}
        />
        <Button type="submit" variant="secondary" size="sm">
          Save
        </Button>
        <Button type="button" variant="secondary" size="sm" onClick={() => setEditing(false)}>
          Cancel
        </Button>
        <div className="w-full font-mono text-xs break-all text-slate-500 dark:text-slate-400">{model.id}</div>
      </fetcher.Form>
    );
  }
  return (
    <div>
      <div className="font-medium break-words">{shown}</div>
      <div className="font-mono text-xs break-all text-slate-500 dark:text-slate-400">{model.id}</div>
      <Button
        ref={renameButton}
        type="button"
        variant="link"
        size="sm"
        onClick={() => setEditing(true)}
        className="mt-1"
        aria-label={`Rename ${model.displayName}`}
      >
        Rename
      </Button>
    </div>
  );
}

function AppAssignment({
  model,
  app,
  assigned,
  isDefault,
}: {
  model: ModelView;
  app: AppName;
  assigned: boolean;
  isDefault: boolean;
}) {
  const toggle = useAdminFetcher();
  const makeDefault = useAdminFetcher();
  const pending = toggle.formData?.get("assigned");
  const checked = pending === undefined || pending === null ? assigned : pending === "true";
  const title = APP_TITLES[app];
  const refusal =
    model.status !== "ready"
      ? "Only a ready model can be assigned."
      : app !== "sentiment" && model.kind !== "causal-lm"
        ? `${title} needs a language model.`
        : undefined;

  return (
    <div className="flex items-center gap-3 text-sm">
      <label className="inline-flex min-w-24 items-center gap-1.5" title={!checked ? refusal : undefined}>
        <input
          type="checkbox"
          className="size-4 accent-brand-600"
          checked={checked}
          disabled={!checked && Boolean(refusal)}
          onChange={(e) =>
            toggle.submit(
              { intent: "assign", modelId: model.id, app, assigned: String(e.target.checked) },
              { method: "post" },
            )
          }
        />
        {title}
      </label>
      {checked && (
        <label className="inline-flex items-center gap-1 text-xs text-slate-600 dark:text-slate-400">
          <input
            type="radio"
            name={`default-${app}`}
            className="size-3.5 accent-brand-600"
            checked={isDefault}
            disabled={toggle.state !== "idle"}
            aria-label={`Default for ${title}`}
            onChange={() => makeDefault.submit({ intent: "set-default", modelId: model.id, app }, { method: "post" })}
          />
          default
        </label>
      )}
    </div>
  );
}

function ModelActions({ model }: { model: ModelView }) {
  const memory = useAdminFetcher();
  const remove = useAdminFetcher();
  const [confirming, setConfirming] = useState(false);
  const memoryIntent = memory.formData?.get("intent");
  const deleting = remove.state !== "idle";

  return (
    <div className="flex flex-wrap items-center gap-2 md:flex-col md:items-stretch">
      <memory.Form method="post" className="contents">
        <input type="hidden" name="modelId" value={model.id} />
        <Button
          type="submit"
          name="intent"
          value={model.loaded ? "unload" : "load"}
          variant="secondary"
          size="sm"
          disabled={memory.state !== "idle" || (!model.loaded && model.status !== "ready")}
          title={model.loaded ? "Free its memory; it loads again on next use" : "Load it now rather than on first use"}
        >
          {memoryIntent === "load"
            ? "Loading…"
            : memoryIntent === "unload"
              ? "Unloading…"
              : model.loaded
                ? "Unload"
                : "Load"}
        </Button>
      </memory.Form>
      {confirming ? (
        <remove.Form method="post" className="contents" onSubmit={() => setConfirming(false)}>
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="modelId" value={model.id} />
          <span className="text-xs">Delete its files?</span>
          <Button type="submit" variant="danger" size="sm">
            Yes, delete
          </Button>
          <Button type="button" variant="secondary" size="sm" onClick={() => setConfirming(false)}>
            Keep
          </Button>
        </remove.Form>
      ) : (
        <Button type="button" variant="danger" size="sm" disabled={deleting} onClick={() => setConfirming(true)}>
          {deleting ? "Deleting…" : "Delete"}
        </Button>
      )}
    </div>
  );
}
