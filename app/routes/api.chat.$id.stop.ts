// POST: stop the answer being written in a conversation (from any tab, on any instance). The
// partial answer is kept. 200 when it stopped here, 202 when the instance writing it was asked to.
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
    let requested = 0;
    for (const g of running) {
      if (await generations.stop(g.id)) stopped++;
      // Written by another instance of Loom: it stops at its next heartbeat (about two seconds).
      else if (await generationLog.requestStop(g.id)) requested++;
    }
    return Response.json({ stopped, requested }, { status: requested > 0 ? 202 : 200 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
