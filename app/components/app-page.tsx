import type { AssignedModel } from "../../server/registry/assignments";
import type { AppInfo } from "~/apps";
import { APP_FORM_ID } from "./one-shot/app-form";
import { Alert, PageHeader, Select } from "./ui";

/**
 * The frame every application page shares: its title, the model picker (the models assigned to
 * this app, default preselected) and, when none is assigned, a plain notice instead of output.
 */
export function AppPage({
  app,
  models,
  isAdmin,
  children,
}: {
  app: AppInfo;
  models: AssignedModel[];
  isAdmin: boolean;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby="app-title">
      <PageHeader title={app.title} description={app.blurb} />
      <div className="mb-4 max-w-xs">
        {models.length > 0 ? (
          <Select
            label="Model"
            name="model"
            form={APP_FORM_ID}
            defaultValue={models.find((m) => m.isDefault)?.id}
            options={models.map((m) => ({ value: m.id, label: m.displayName }))}
          />
        ) : null}
      </div>
      {models.length === 0 && (
        <div className="mb-4">
          <Alert tone="info">
            No model is assigned to {app.title} yet: the model registry has no model for this application.{" "}
            {isAdmin ? (
              <a className="underline" href="/admin/models">
                Assign one in Admin › Models.
              </a>
            ) : (
              "An administrator can assign one."
            )}
          </Alert>
        </div>
      )}
      {children}
    </section>
  );
}
