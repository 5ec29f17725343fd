// GET: the user's conversations (optionally searched with ?q=). POST: create one. A conversation
// with a first message is created only when that message could be answered: within the daily
// quota, and readable by the model that would answer it.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { assertFirstMessageFits } from "../../server/chat/chat-turn";
import { cleanText, clipText } from "../../server/common/user-text";
import { titleFrom } from "../../server/apps/chat";
import { apiError, readJson, requireApiUser, rethrowAsApiError } from "~/api.server";

const search = cleanText("Search").optional();

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireApiUser(request, context);
  const q = search.safeParse(new URL(request.url).searchParams.get("q") ?? undefined);
  if (!q.success) apiError(400, q.error.issues[0]!.message);
  const chats = await context.services.chats.listChats(user.id, q.data && clipText(q.data, 200));
  return Response.json({ chats });
}

const createChat = z.object({
  id: z.uuid().optional(),
  firstMessage: cleanText("Message").max(20_000).optional(),
  /** The model the first message is for (the chat's default when absent). */
  modelId: z.string().max(128).optional(),
  /** Not kept: out of the list and search, deleted when left or idle (decision 028). */
  temporary: z.boolean().default(false),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  if (request.method !== "POST") apiError(405, "Use POST to create a conversation.");
  const input = await readJson(request, createChat);
  const { chats, chatDefaults, quotas } = context.services;
  try {
    // A new chat takes its owner's defaults (Settings › Chat).
    const settings = await chatDefaults.get(user.id);
    if (input.firstMessage?.trim()) {
      await quotas.assertWithinQuota(user.id);
      await assertFirstMessageFits(context.services, input.firstMessage.trim(), input.modelId, settings);
    }
    const title = titleFrom(input.firstMessage ?? "");
    const { id, temporary } = input;
    const chat = await chats.createChat(user.id, title, { id, settings, temporary });
    return Response.json({ chat: { id: chat.id, title: chat.title, temporary: chat.temporary } }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
