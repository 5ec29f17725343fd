import type { ActionFunctionArgs } from "@remix-run/node";
import { summarizeInput, summarizeApp } from "../../server/apps/summarize";
import { admitGeneration, oneShotResponse, readJson, requireApiUser } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, summarizeInput, 512 * 1024);
  await admitGeneration(context, user);
  return oneShotResponse(context, {
    userId: user.id,
    app: "summarize",
    modelId: input.modelId,
    task: summarizeApp(input),
  });
}
