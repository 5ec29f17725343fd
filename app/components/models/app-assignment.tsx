// Whether a model serves one application, and whether it is that application's default (the
// page's "assign" and "set-default" actions); a model that cannot serve it says why.
import { APP_TITLES, type AppName } from "../../../server/apps";
import { kindRefusal } from "../../../server/apps/model-kinds";
import { useAdminFetcher } from "~/hooks/use-admin-fetcher";
import type { ModelView } from "./model-view";

export function AppAssignment({
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
      : kindRefusal(model.kind, app);

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
