import type { ActionFunctionArgs } from "@remix-run/node";
import {
  detectLanguage,
  languageOffer,
  translateDecoding,
  translateInput,
  translateMessages,
} from "../../server/tasks/translate";
import { HttpError } from "../../server/http-error";
import { admitGeneration, readJson, requireApiUser } from "~/api.server";
import { streamTask } from "~/one-shot.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, translateInput);
  await admitGeneration(context, user);
  return streamTask({
    request,
    context,
    user,
    app: "translate",
    modelId: input.modelId,
    decoding: translateDecoding,
    prepare: async ({ model, prompts, progress }) => {
      const offer = languageOffer(model.folder.config);
      const source = input.source === "auto" ? detectLanguage(input.text, Object.keys(offer.languages)) : input.source;
      // Thrown inside the stream: an HttpError keeps its message for the page (a Response would not).
      if (!source)
        throw new HttpError(
          422,
          "LANGUAGE_UNKNOWN",
          "Could not tell which language this is; choose the source language.",
        );
      if (!offer.pairs.some(([a, b]) => a === source && b === input.target)) {
        const name = (code: string) => offer.languages[code] ?? code;
        throw new HttpError(
          422,
          "PAIR_NOT_SUPPORTED",
          `This model does not translate ${name(source)} to ${name(input.target)}.`,
        );
      }
      if (input.source === "auto") progress({ detected: source });
      return translateMessages({ text: input.text, source, target: input.target }, offer, prompts);
    },
  });
}
