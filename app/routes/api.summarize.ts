import type { ActionFunctionArgs } from "@remix-run/node";
import {
  summarizeDecoding,
  summarizeHierarchically,
  summarizeInput,
  summarizeMessages,
  summaryInputBudget,
} from "../../server/tasks/summarize";
import { admitGeneration, readJson, requireApiUser } from "~/api.server";
import { streamTask } from "~/one-shot.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, summarizeInput, 512 * 1024);
  await admitGeneration(context, user);
  const decoding = summarizeDecoding[input.length];
  return streamTask({
    request,
    context,
    user,
    app: "summarize",
    modelId: input.modelId,
    decoding,
    prepare: async ({ model, prompts, complete, progress }) => {
      const countTokens = (s: string) => model.encodePrompt({ prompt: s }).length;
      const maxInputTokens = summaryInputBudget({
        maxPositions: model.maxPositions,
        maxOutputTokens: decoding.maxOutputTokens,
        length: input.length,
        prompts,
        countTokens,
      });
      const { finalInput, rounds } = await summarizeHierarchically({
        text: input.text,
        maxInputTokens,
        countTokens,
        summarizePiece: (piece) => complete(summarizeMessages(piece, "medium", prompts), summarizeDecoding.medium),
        onProgress: (p) => progress({ stage: "map", ...p }),
      });
      if (rounds > 0) progress({ stage: "reduce", rounds });
      return summarizeMessages(finalInput, input.length, prompts);
    },
  });
}
