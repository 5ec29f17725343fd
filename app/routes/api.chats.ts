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
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  if (request.method !== "POST") apiError(405, "Use POST to create a conversation.");
  const input = await readJson(request, createChat);
  const { chats, quotas } = context.services;
  try {
    if (input.firstMessage?.trim()) {
      await quotas.assertWithinQuota(user.id);
      await assertFirstMessageFits(context.services, input.firstMessage.trim(), input.modelId);
    }
    const chat = await chats.createChat(user.id, titleFrom(input.firstMessage ?? ""), input.id);
    return Response.json({ chat: { id: chat.id, title: chat.title } }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
