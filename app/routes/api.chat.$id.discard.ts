// POST: the page of a temporary chat was left; the chat is deleted now (an answer still being
// written is stopped first). Kept chats are refused: they are deleted from their menu, on purpose.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { deleteChatAfterStopping } from "../../server/chat/chat-turn";
import { apiError, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  if (request.method !== "POST") apiError(405, "Use POST to discard a temporary chat.");
  const chatId = z.uuid().safeParse(params.id);
  if (!chatId.success) apiError(404, "This conversation does not exist or is not yours.");
  try {
    const chat = await context.services.chats.ownedChat(user.id, chatId.data);
    if (!chat.temporary) apiError(409, "Only temporary chats are discarded; delete this one from its menu.");
    await deleteChatAfterStopping(context.services, user.id, chat.id);
    return new Response(null, { status: 204 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
