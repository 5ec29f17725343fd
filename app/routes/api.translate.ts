import type { ActionFunctionArgs } from "@remix-run/node";
import { streamOneShot } from "../../server/generation/one-shot";
import { translateInput, translateTask } from "../../server/tasks/translate";
import { admitGeneration, readJson, requireApiUser, rethrowAsApiError, uiStreamResponse } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, translateInput);
  await admitGeneration(context, user);
  try {
    const task = translateTask(input);
    const stream = await streamOneShot(
      context.services,
      { userId: user.id, app: "translate", modelId: input.modelId, task },
      request.signal,
    );
    return uiStreamResponse(stream);
  } catch (error) {
    rethrowAsApiError(error);
  }
}
