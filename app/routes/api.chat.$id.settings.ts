// PUT: a conversation's settings (system prompt, temperature, top-p, max tokens), checked against
// the model it is answered with; the next answer uses them. 400 names what is wrong. The answer
// carries the composer's limit under the new settings.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { chatLimitsFor, checkChatSettings } from "~/chat-settings.server";
import { apiError, readJson, requireApiUser, rethrowAsApiError } from "~/api.server";

const body = z.object({
  settings: z.unknown(),
  /** The model picked on the page (Chat's default when absent). */
  modelId: z.string().max(128).optional(),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  if (request.method !== "PUT") apiError(405, "Use PUT to change a conversation's settings.");
  const chatId = z.uuid().safeParse(params.id);
  if (!chatId.success) apiError(404, "This conversation does not exist or is not yours.");
  // A system prompt of 4,000 characters is far below this.
  const input = await readJson(request, body, 64 * 1024);
  try {
    await context.services.chats.ownedChat(user.id, chatId.data);
    const checked = await checkChatSettings(context, input.settings, input.modelId);
    if (checked.error !== undefined) apiError(400, checked.error, { code: "INVALID_CHAT_SETTINGS" });
    await context.services.chats.setChatSettings(user.id, chatId.data, checked.settings);
    // The composer's new limit comes with them: a longer system prompt or more max tokens leaves
    // a message less room (decision 035).
    const { settings, inputLimit } = await chatLimitsFor(context, checked.settings, input.modelId);
    return Response.json({ settings, inputLimit });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
