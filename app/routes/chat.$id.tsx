import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { z } from "zod";
import { chatSettingsOf } from "../../server/apps/chat-settings";
import { isChatNotFound } from "../../server/chat/chat-store";
import { publicErrorOf } from "../../server/http-error";
import { cleanText } from "../../server/common/user-text";
import { deleteChatAfterStopping } from "../../server/chat/chat-turn";
import { ChatView } from "~/components/chat/chat-view";
import { toUiMessages } from "~/chat.server";
import { chatLimitsFor } from "~/chat-settings.server";
import { parseForm } from "~/forms.server";
import { requireUser } from "~/session.server";
import type { loader as chatLayoutLoader } from "./chat";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? "Chat"} · Loom` }];

const chatId = z.uuid();

async function loadOwnedChat(request: Request, context: LoaderFunctionArgs["context"], id: string | undefined) {
  const user = await requireUser(request, context);
  const parsed = chatId.safeParse(id);
  if (!parsed.success) throw data({ message: "This conversation does not exist or is not yours." }, { status: 404 });
  const view = await context.services.chats.getChat(user.id, parsed.data).catch((error: unknown) => {
    if (isChatNotFound(error)) throw data({ message: error.message }, { status: 404 });
    throw error;
  });
  return { user, view };
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { view } = await loadOwnedChat(request, context, params.id);
  const [running] = await context.services.generationLog.runningForChat(view.chat.id);
  const models = await context.services.registry.listModels();
  const names = new Map(models.map((m) => [m.id, m.displayName]));
  // As Chat's default model reads them: max tokens within its limit, the composer's limit with
  // this chat's system prompt and max tokens (decision 035).
  const limits = await chatLimitsFor(context, chatSettingsOf(view.chat.settings));
  return {
    id: view.chat.id,
    title: view.chat.title,
    // The answer being written is left out: the page reattaches to it and replays it.
    messages: toUiMessages(view.path, view.ratings, names, running?.messageId),
    generating: Boolean(running),
    settings: limits.settings,
    maxTokensLimit: limits.maxTokensLimit,
    inputLimit: limits.inputLimit,
    temporary: view.chat.temporary,
  };
}

const chatAction = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("rename"),
    title: cleanText("Title").trim().min(1, "A title cannot be empty.").max(200),
  }),
  z.object({ intent: z.literal("delete") }),
  z.object({ intent: z.literal("branch"), messageId: z.uuid() }),
  z.object({ intent: z.literal("feedback"), messageId: z.uuid(), rating: z.enum(["1", "-1", "0"]) }),
]);

/** A change to one message; false when the message is not in this conversation of the user's. */
async function changedMessage(change: Promise<unknown>): Promise<boolean> {
  try {
    await change;
    return true;
  } catch (error) {
    if (isChatNotFound(error)) return false;
    const known = publicErrorOf(error); // e.g. rating an answer in a temporary chat
    if (known) throw data({ error: known.message }, { status: known.status });
    throw error;
  }
}

const messageNotFound = () => data({ error: "There is no such message in this conversation." }, { status: 404 });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user, view } = await loadOwnedChat(request, context, params.id);
  const { values, errors } = await parseForm(request, chatAction);
  if (!values) return data({ error: Object.values(errors)[0] ?? "Invalid request." }, { status: 400 });
  const { chats } = context.services;
  switch (values.intent) {
    case "rename":
      await chats.renameChat(user.id, view.chat.id, values.title);
      break;
    case "delete":
      // An answer still being written is stopped first: its writes must not outlive the chat.
      await deleteChatAfterStopping(context.services, user.id, view.chat.id);
      return redirect("/chat");
    case "branch":
      if (!(await changedMessage(chats.selectBranch(user.id, view.chat.id, values.messageId))))
        return messageNotFound();
      break;
    case "feedback":
      if (!(await changedMessage(chats.setFeedback(user.id, values.messageId, Number(values.rating) as -1 | 0 | 1))))
        return messageNotFound();
      break;
  }
  return { error: null };
}

export default function Conversation() {
  const chat = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof chatLayoutLoader>("routes/chat");
  return <ChatView key={chat.id} chat={chat} models={layout?.models ?? []} />;
}
