import type { ActionFunctionArgs } from "@remix-run/node";
import { streamOneShot } from "../../server/generation/one-shot";
import { codeInput, codeTask } from "../../server/tasks/code";
import { admitGeneration, readJson, requireApiUser, rethrowAsApiError, uiStreamResponse } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, codeInput);
  await admitGeneration(context, user);
  try {
    const task = codeTask(input);
    const stream = await streamOneShot(
      context.services,
      { userId: user.id, app: "code", modelId: input.modelId, task },
      request.signal,
    );
    return uiStreamResponse(stream);
  } catch (error) {
    rethrowAsApiError(error);
  }
}
