import type { ActionFunctionArgs } from "@remix-run/node";
import { createUIMessageStreamResponse } from "ai";
import { summarizeInput, summarizeApp } from "../../server/apps/summarize";
import { streamExtractiveSummary } from "../../server/generation/extractive-stream";
import { admitGeneration, apiError, oneShotResponse, readJson, requireApiUser, rethrowAsApiError } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") apiError(405, "Use POST.");
  const user = await requireApiUser(request, context);
  const input = await readJson(request, summarizeInput, 512 * 1024);
  await admitGeneration(context, user);
  // The model serving the request decides the path: an extractive summariser picks sentences,
  // a language model writes the summary (summarize.ts).
  let extractive;
  try {
    extractive = await context.services.registry.extractiveSummarizer(input.modelId);
  } catch (error) {
    rethrowAsApiError(error);
  }
  if (extractive) {
    const stream = await streamExtractiveSummary(
      context.services,
      { userId: user.id, input, ...extractive },
      context.clientGone,
    );
    return createUIMessageStreamResponse({ stream, headers: { "X-Accel-Buffering": "no" } });
  }
  return oneShotResponse(context, {
    userId: user.id,
    app: "summarize",
    modelId: input.modelId,
    task: summarizeApp(input),
  });
}
