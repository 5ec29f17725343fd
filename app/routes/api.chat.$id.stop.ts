// POST: stop the answer being written in a conversation (from any tab, on any instance). The
// partial answer is kept. 200 when it stopped here, 202 when the instance writing it was asked to.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { stopChatTurns } from "../../server/chat/chat-turn";
import { apiError, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  if (request.method !== "POST") apiError(405, "Use POST to stop an answer.");
  const chatId = z.uuid().safeParse(params.id);
  if (!chatId.success) apiError(404, "This conversation does not exist or is not yours.");
  try {
    const { stopped, requested } = await stopChatTurns(context.services, user.id, chatId.data);
    return Response.json({ stopped, requested }, { status: requested > 0 ? 202 : 200 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
