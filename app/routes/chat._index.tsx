import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { Button, TextArea } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Chat · Loom" }];

export const loader = ({ request, context }: LoaderFunctionArgs) => loadAppPage(request, context, "chat");

export default function Chat() {
  const { models, isAdmin } = useLoaderData<typeof loader>();
  return (
    <AppPage app={APP_INFO.chat} models={models} isAdmin={isAdmin}>
      <form id="app-form" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <TextArea label="Message" name="message" placeholder="Ask anything…" rows={3} maxLength={16_000} />
        <Button type="submit" disabled={models.length === 0}>
          Send
        </Button>
      </form>
    </AppPage>
  );
}
