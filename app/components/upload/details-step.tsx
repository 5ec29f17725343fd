// Step 2 of the upload page: the model's id and display name, and the applications to assign it to.
import type { AppName } from "../../../server/apps";
import { APP_LIST } from "~/apps";
import { TextField } from "~/components/ui";

export function DetailsStep({
  modelId,
  idError,
  displayName,
  apps,
  locked,
  onModelIdChange,
  onDisplayNameChange,
  onAppToggle,
}: {
  modelId: string;
  idError: string | undefined;
  displayName: string;
  apps: AppName[];
  locked: boolean;
  onModelIdChange: (id: string) => void;
  onDisplayNameChange: (name: string) => void;
  onAppToggle: (app: AppName, assign: boolean) => void;
}) {
  return (
    <section aria-labelledby="upload-details" className="space-y-4">
      <h2 id="upload-details" className="text-lg font-semibold">
        2. Details
      </h2>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Model id"
          name="modelId"
          value={modelId}
          onChange={(e) => onModelIdChange(e.target.value.trim())}
          disabled={locked}
          autoComplete="off"
          spellCheck={false}
          placeholder="my-model"
          error={idError}
        />
        <TextField
          label="Display name (optional)"
          name="displayName"
          value={displayName}
          onChange={(e) => onDisplayNameChange(e.target.value)}
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
                onChange={(e) => onAppToggle(app.name, e.target.checked)}
              />
              {app.title}
            </label>
          ))}
        </div>
      </fieldset>
    </section>
  );
}
