// A new conversation: nothing exists until the first message is sent; then the chat is created
// with a client-made id and the page moves to /chat/:id, which sends the message. A refusal (the
// daily quota, a message the model cannot read) is shown here and the message stays in the box.
import { useNavigate, useRouteLoaderData } from "@remix-run/react";
import { EyeOff } from "lucide-react";
import { useState } from "react";
import { APP_INFO } from "~/apps";
import { AppPage } from "~/components/app-page";
import { Composer } from "~/components/chat/composer";
import { Alert } from "~/components/ui";
import { useSelectedModel } from "~/hooks/use-selected-model";
import type { loader as chatLayoutLoader } from "./chat";

export default function NewChat() {
  const layout = useRouteLoaderData<typeof chatLayoutLoader>("routes/chat");
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  // A temporary chat is not kept (decision 028): the choice is made before the first message.
  const [temporary, setTemporary] = useState(false);
  const models = layout?.models ?? [];
  const modelId = useSelectedModel(models);

  async function start(text: string, modelId: string | undefined): Promise<boolean> {
    const id = crypto.randomUUID();
    const response = await fetch("/api/chats", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id, firstMessage: text, modelId, temporary }),
    }).catch(() => undefined);
    if (!response) {
      setError("Could not reach Loom. Check your connection and send again.");
      return false;
    }
    if (!response.ok) {
      setError(
        ((await response.json().catch(() => ({}))) as { error?: string }).error ?? "Could not start a conversation.",
      );
      return false;
    }
    setError(undefined);
    navigate(`/chat/${id}`, { state: { pendingMessage: text, modelId } });
    return true;
  }

  return (
    <AppPage app={APP_INFO.chat} models={models} isAdmin={layout?.isAdmin ?? false}>
      <label className="flex w-fit items-center gap-2 text-sm text-slate-700 dark:text-slate-300">
        <input
          type="checkbox"
          checked={temporary}
          onChange={(e) => setTemporary(e.target.checked)}
          className="size-4 accent-brand-600"
        />
        <EyeOff aria-hidden="true" className="size-4" />
        Temporary chat
      </label>
      {temporary && (
        <p role="note" className="text-sm text-slate-600 dark:text-slate-400">
          Not kept: left out of your chat list, search and exports, and deleted when you leave it or an hour after its
          last message.
        </p>
      )}
      {error && <Alert>{error}</Alert>}
      <Composer disabled={models.length === 0} busy={false} onSend={(text) => start(text, modelId)} onStop={() => {}} />
    </AppPage>
  );
}
