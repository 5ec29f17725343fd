// One model's row on the models page: name, details, status, runtime, applications, actions.
import { Link } from "@remix-run/react";
import { formatBytes } from "../../../server/common/format";
import { APP_LIST } from "~/apps";
import { CellLabel, formatCompact, formatRate, responsiveTable as t } from "~/components/ui";
import { AppAssignment } from "./app-assignment";
import { ModelActions } from "./model-actions";
import { ModelNameCell } from "./model-name-cell";
import type { ModelView } from "./model-view";
import { StatusBadge } from "./status-badge";

const KIND_LABELS: Record<string, string> = {
  "causal-lm": "Language model",
  classifier: "Classifier",
  seq2seq: "Sequence-to-sequence",
  "extractive-summarizer": "Extractive summariser",
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

/** A remote engine's last health check (every 30 s): up with its latency, or down and why. */
function RemoteHealthText({ health }: { health: NonNullable<ModelView["health"]> }) {
  const when = health.checkedAt ? `checked ${new Date(health.checkedAt).toLocaleTimeString("en-GB")}` : undefined;
  if (health.state === "up")
    return (
      <span data-testid="remote-health" className="text-emerald-700 dark:text-emerald-300" title={when}>
        up · {health.latencyMs} ms
      </span>
    );
  if (health.state === "down")
    return (
      <span data-testid="remote-health" className="text-red-700 dark:text-red-300" title={health.error}>
        down: {health.error}
      </span>
    );
  return <span data-testid="remote-health">not checked yet</span>;
}

export function ModelRow({ model, pendingDefault }: { model: ModelView; pendingDefault: Map<string, string> }) {
  return (
    <tr className={t.row}>
      <td className={`${t.cell} min-w-44`}>
        <ModelNameCell model={model} />
        <Link
          to={`/admin/models/${model.id}/quality`}
          className="mt-1 inline-block text-xs underline"
          aria-label={`Quality of ${model.displayName}`}
        >
          Quality
        </Link>
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
            model.health
              ? ["Remote", <RemoteHealthText health={model.health} />]
              : ["Memory", model.loaded ? "loaded" : "not loaded"],
            [
              "EP",
              model.device ? (
                <span title={model.deviceFallback ? `Fallback: ${model.deviceFallback}` : undefined}>
                  {model.device.toUpperCase()}
                  {model.deviceFallback && <span className="text-amber-700 dark:text-amber-300"> (fallback)</span>}
                </span>
              ) : (
                "—"
              ),
            ],
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
