import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Button, Select, TextArea } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Code · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "code");

export default function Code() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  return (
    <AppPage app={APP_INFO.code} models={models} isAdmin={isAdmin}>
      <form id="app-form" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <div className="max-w-xs">
          <Select
            label="Language"
            name="language"
            options={["typescript", "javascript", "python", "go", "rust", "other"].map((l) => ({ value: l, label: l }))}
          />
        </div>
        <TextArea
          label="Code"
          name="code"
          spellCheck={false}
          placeholder="function fibonacci(n) {"
          maxLength={50_000}
        />
        <Button type="submit" disabled={models.length === 0}>
          Complete
        </Button>
      </form>
    </AppPage>
  );
}
