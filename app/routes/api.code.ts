import type { ActionFunctionArgs } from "@remix-run/node";
import { codeDecoding, codeInput, codeMessages } from "../../server/tasks/code";
import { admitGeneration, readJson, requireApiUser } from "~/api.server";
import { streamTask } from "~/one-shot.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, codeInput);
  await admitGeneration(context, user);
  return streamTask({
    request,
    context,
    user,
    app: "code",
    modelId: input.modelId,
    decoding: codeDecoding[input.mode],
    prepare: async ({ prompts }) => codeMessages(input, prompts),
  });
}
