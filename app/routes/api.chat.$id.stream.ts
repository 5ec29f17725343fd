// GET: reattach to the answer being written in a conversation. 204 when none is running (the AI
// SDK's useChat `resume` expects that). Replays from the start, or from after the sequence number
// in Last-Event-ID for clients that kept what they had.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { generationStreamResponse } from "../../server/chat/ui-stream";
import { apiError, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireApiUser(request, context);
  const chatId = z.uuid().safeParse(params.id);
  if (!chatId.success) apiError(404, "This conversation does not exist or is not yours.");
  const lastEventId = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("after") ?? "0";
  if (!/^\d{1,9}$/.test(lastEventId)) apiError(400, "Last-Event-ID must be a sequence number.");
  const { chats, generationLog } = context.services;
  try {
    await chats.ownedChat(user.id, chatId.data);
    const [running] = await generationLog.runningForChat(chatId.data);
    if (!running) return new Response(null, { status: 204 });
    return generationStreamResponse({
      log: generationLog,
      generationId: running.id,
      messageId: running.messageId,
      afterSeq: Number(lastEventId),
      signal: request.signal,
      metadata: { modelId: running.modelId },
    });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
