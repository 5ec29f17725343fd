import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Button, Select, TextArea } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Summarise · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "summarize");

export default function Summarize() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  return (
    <AppPage app={APP_INFO.summarize} models={models} isAdmin={isAdmin}>
      <form id="app-form" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <TextArea
          label="Text to summarise"
          name="text"
          placeholder="Paste an article, a report, notes…"
          maxLength={200_000}
        />
        <div className="max-w-xs">
          <Select
            label="Length"
            name="length"
            options={[
              { value: "short", label: "Short" },
              { value: "medium", label: "Medium" },
              { value: "bullets", label: "Bullet points" },
            ]}
          />
        </div>
        <Button type="submit" disabled={models.length === 0}>
          Summarise
        </Button>
      </form>
    </AppPage>
  );
}
