import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Button, Select, TextArea } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Translate · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "translate");

export default function Translate() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  // The languages offered come from the assigned model's declaration once one is assigned.
  const languages = [{ value: "auto", label: "Detect language" }];
  return (
    <AppPage app={APP_INFO.translate} models={models} isAdmin={isAdmin}>
      <form id="app-form" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <div className="grid max-w-md grid-cols-2 gap-3">
          <Select label="From" name="source" options={languages} disabled={models.length === 0} />
          <Select label="To" name="target" options={[]} disabled={models.length === 0} />
        </div>
        <TextArea label="Text to translate" name="text" maxLength={20_000} />
        <Button type="submit" disabled={models.length === 0}>
          Translate
        </Button>
      </form>
    </AppPage>
  );
}
