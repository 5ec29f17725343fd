import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Button, TextArea } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Sentiment · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "sentiment");

export default function Sentiment() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  return (
    <AppPage app={APP_INFO.sentiment} models={models} isAdmin={isAdmin}>
      <form id="app-form" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <TextArea
          label="Texts (one per line)"
          name="texts"
          placeholder={"I loved it.\nThe service was slow."}
          maxLength={100_000}
        />
        <Button type="submit" disabled={models.length === 0}>
          Analyse
        </Button>
      </form>
    </AppPage>
  );
}
