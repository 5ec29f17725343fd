// GET: the user's conversations (optionally searched with ?q=). POST: create one.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { titleFrom } from "../../server/tasks/chat";
import { readJson, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireApiUser(request, context);
  const q = new URL(request.url).searchParams.get("q")?.slice(0, 200) ?? undefined;
  const chats = await context.services.chats.listChats(user.id, q);
  return Response.json({ chats });
}

const createChat = z.object({ id: z.uuid().optional(), firstMessage: z.string().max(20_000).optional() });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, createChat);
  try {
    const chat = await context.services.chats.createChat(user.id, titleFrom(input.firstMessage ?? ""), input.id);
    return Response.json({ chat: { id: chat.id, title: chat.title } }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
