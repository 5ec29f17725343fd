import type { ActionFunctionArgs } from "@remix-run/node";
import { classifySentiment } from "../../server/generation/sentiment";
import { sentimentInput } from "../../server/tasks/sentiment";
import { admitGeneration, readJson, rethrowAsApiError, requireApiUser } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, sentimentInput, 512 * 1024);
  await admitGeneration(context, user);
  try {
    return Response.json(await classifySentiment(context.services, { userId: user.id, input }, request.signal));
  } catch (error) {
    rethrowAsApiError(error);
  }
}
