import type { ActionFunctionArgs } from "@remix-run/node";
import { translateInput, translateApp } from "../../server/apps/translate";
import { admitGeneration, apiError, oneShotResponse, readJson, requireApiUser } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") apiError(405, "Use POST.");
  const user = await requireApiUser(request, context);
  const input = await readJson(request, translateInput);
  await admitGeneration(context, user);
  return oneShotResponse(context, {
    userId: user.id,
    app: "translate",
    modelId: input.modelId,
    task: translateApp(input),
  });
}
