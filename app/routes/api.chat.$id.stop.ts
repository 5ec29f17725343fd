// POST: stop the answer being written in a conversation (from any tab). The partial answer is kept.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { apiError, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const chatId = z.uuid().safeParse(params.id);
  if (!chatId.success) apiError(404, "This conversation does not exist or is not yours.");
  const { chats, generationLog, generations } = context.services;
  try {
    await chats.ownedChat(user.id, chatId.data);
    const running = await generationLog.runningForChat(chatId.data);
    let stopped = 0;
    for (const g of running) if (await generations.stop(g.id)) stopped++;
    if (running.length > stopped) {
      // Running in another instance of Loom: only that instance can stop it.
      apiError(409, "This answer is being written by another Loom instance; try again there.");
    }
    return Response.json({ stopped });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
