import type { ActionFunctionArgs } from "@remix-run/node";
import type { Classification } from "../../server/inference/classifier";
import { readModelPrompts } from "../../server/tasks/prompts";
import { sentimentInput, splitSentences, type SentimentResult } from "../../server/tasks/sentiment";
import { zeroShotSentiment } from "../../server/tasks/sentiment-zero-shot";
import { startRunTimer } from "../../server/usage/timing";
import { admitGeneration, readJson, rethrowAsApiError, requireApiUser } from "~/api.server";

/** Texts longer than this also get a per-sentence breakdown. */
const BREAKDOWN_MIN_CHARS = 120;

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireApiUser(request, context);
  const input = await readJson(request, sentimentInput, 512 * 1024);
  await admitGeneration(context, user);
  const { services } = context;
  const timer = startRunTimer();
  let runId: string | undefined;
  try {
    const { row, model } = await services.registry.sentimentModel(input.modelId);
    const prompts = readModelPrompts(model.dir);
    runId = await services.runs.start({ userId: user.id, app: "sentiment", modelId: row.id });
    const classify = (texts: string[]): Promise<Classification[]> =>
      model.kind === "classifier" ? model.classify(texts) : zeroShotSentiment(model, texts, prompts, request.signal);

    const results = await classify(input.texts);
    const long = input.texts.map((t, i) => ({
      i,
      sentences: t.length >= BREAKDOWN_MIN_CHARS ? splitSentences(t) : [],
    }));
    const sentenceTexts = long.flatMap((l) => (l.sentences.length > 1 ? l.sentences : []));
    const sentenceResults = sentenceTexts.length ? await classify(sentenceTexts) : [];
    let cursor = 0;
    const body: SentimentResult[] = input.texts.map((text, i) => {
      const r = results[i]!;
      const sentences = long[i]!.sentences.length > 1 ? long[i]!.sentences : [];
      const breakdown = sentences.map((s) => {
        const sr = sentenceResults[cursor++]!;
        return { text: s, label: sr.label, score: sr.score };
      });
      return {
        text,
        label: r.label,
        score: r.score,
        scores: Object.fromEntries(r.scores.map((s) => [s.label, s.score])),
        ...(breakdown.length && { sentences: breakdown }),
      };
    });
    const tokens = [...results, ...sentenceResults].reduce((n, r) => n + r.tokens, 0);
    const { durationMs } = timer.read();
    await services.runs.finish(runId, { status: "completed", promptTokens: tokens, durationMs });
    return Response.json({
      results: body,
      model: { id: row.id, name: row.displayName, method: model.kind === "classifier" ? "classifier" : "zero-shot" },
      stats: { tokens, durationMs },
    });
  } catch (error) {
    if (runId)
      await services.runs.finish(runId, { status: "failed", error: String((error as Error)?.message ?? error) });
    rethrowAsApiError(error);
  }
}
