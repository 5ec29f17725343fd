import type { ActionFunctionArgs } from "@remix-run/node";
import { codeInput, codeApp } from "../../server/apps/code";
import { admitGeneration, apiError, oneShotResponse, readJson, requireApiUser } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") apiError(405, "Use POST.");
  const user = await requireApiUser(request, context);
  const input = await readJson(request, codeInput);
  await admitGeneration(context, user);
  return oneShotResponse(context, {
    userId: user.id,
    app: "code",
    modelId: input.modelId,
    task: codeApp(input),
  });
}
