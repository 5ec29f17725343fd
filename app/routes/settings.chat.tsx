// Settings › Chat: the user's defaults for new chats (system prompt, temperature, top-p, max
// tokens). A chat copies them when it is made; each chat's header changes its own copy.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ChatSettingsFields } from "~/components/chat/chat-settings-fields";
import { Alert, Button, PageHeader } from "~/components/ui";
import { chatLimitsFor, checkChatSettings } from "~/chat-settings.server";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Chat · Settings · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  // Clamped to Chat's default model (decision 035): Loom's 256 is over loom-chat's 192.
  const { settings, maxTokensLimit } = await chatLimitsFor(context, await context.services.chatDefaults.get(user.id));
  return { settings, maxTokensLimit };
}

type ActionResult = { ok: true } | { ok: false; error: string };

/** Bounded by the server's body limit; the schema bounds each field. */
export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = Object.fromEntries(await request.formData());
  const checked = await checkChatSettings(context, form);
  if (checked.error !== undefined) return data<ActionResult>({ ok: false, error: checked.error }, { status: 400 });
  await context.services.chatDefaults.set(user.id, checked.settings);
  return data<ActionResult>({ ok: true });
}

export default function ChatDefaults() {
  const { settings, maxTokensLimit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="max-w-2xl space-y-6">
      <PageHeader
        title="Chat defaults"
        description="New chats start with these; change a chat's own from its header. Existing chats keep theirs."
      />
      {result && !result.ok && <Alert>{result.error}</Alert>}
      {result?.ok && <Alert tone="success">Saved. Your next new chat uses these settings.</Alert>}
      <Form method="post" className="space-y-4">
        <ChatSettingsFields settings={settings} maxTokensLimit={maxTokensLimit} />
        <Button type="submit" disabled={busy}>
          Save defaults
        </Button>
      </Form>
    </div>
  );
}
