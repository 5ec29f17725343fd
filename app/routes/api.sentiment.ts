import type { ActionFunctionArgs } from "@remix-run/node";
import { classifySentiment } from "../../server/generation/sentiment";
import { sentimentInput } from "../../server/apps/sentiment";
import { admitGeneration, apiError, readJson, rethrowAsApiError, requireApiUser } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") apiError(405, "Use POST.");
  const user = await requireApiUser(request, context);
  const input = await readJson(request, sentimentInput, 512 * 1024);
  await admitGeneration(context, user);
  try {
    return Response.json(await classifySentiment(context.services, { userId: user.id, input }, context.clientGone));
  } catch (error) {
    // The client left (the run is recorded stopped): nobody reads this, and it is no server error.
    if (context.clientGone.aborted) return new Response(null, { status: 499 });
    rethrowAsApiError(error);
  }
}
