import type { ActionFunctionArgs } from "@remix-run/node";
import { streamOneShot } from "../../server/generation/one-shot";
import { summarizeInput, summarizeTask } from "../../server/tasks/summarize";
import { admitGeneration, readJson, requireApiUser, rethrowAsApiError, uiStreamResponse } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, summarizeInput, 512 * 1024);
  await admitGeneration(context, user);
  try {
    const task = summarizeTask(input);
    const stream = await streamOneShot(
      context.services,
      { userId: user.id, app: "summarize", modelId: input.modelId, task },
      request.signal,
    );
    return uiStreamResponse(stream);
  } catch (error) {
    rethrowAsApiError(error);
  }
}
