// Sentiment: classify each text with the app's model (a classifier, or zero-shot scoring with a
// language model), break long texts down by sentence, and record the run. A text surely in a
// language the model does not declare (`loom.languages`) is flagged instead of labelled: a
// classifier trained on English gives Chinese a confident label that means nothing. When `signal` aborts
// (the client went away) the queued scoring is dropped and the run is recorded stopped.
import type { LanguageModel } from "ai";
import type { ModelRow } from "../../db/schema";
import type { Classification, LoadedCausalLM, LoadedClassifier } from "../inference";
import type { ModelDescription } from "../apps/model-description";
import { detectLanguage } from "../apps/language-detection";
import { declaredLanguages } from "../apps/languages";
import { readModelPrompts } from "../apps/prompts";
import {
  BREAKDOWN_MIN_CHARS,
  splitSentences,
  type SentimentInput,
  type SentimentResponse,
  type SentimentResult,
} from "../apps/sentiment";
import { remoteSentiment } from "../apps/sentiment-remote";
import { zeroShotSentiment } from "../apps/sentiment-zero-shot";
import type { RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";

/** A remote generative model: asked for the label in words (server/apps/sentiment-remote.ts). */
interface RemoteLabeller {
  kind: "remote";
  model: LanguageModel;
  description: ModelDescription;
}

/** What classifying needs: the sentiment model (as the registry resolves it) and the runs table. */
export interface SentimentServices {
  registry: {
    sentimentModel(requested?: string): Promise<{
      row: Pick<ModelRow, "id" | "displayName">;
      model: LoadedClassifier | LoadedCausalLM | RemoteLabeller;
    }>;
  };
  runs: Pick<RunRecorder, "start" | "finish">;
}

export async function classifySentiment(
  services: SentimentServices,
  request: { userId: string; input: SentimentInput },
  signal: AbortSignal,
): Promise<SentimentResponse> {
  const { input } = request;
  const timer = startRunTimer();
  let runId: string | undefined;
  try {
    const { row, model } = await services.registry.sentimentModel(input.modelId);
    runId = await services.runs.start({ userId: request.userId, app: "sentiment", modelId: row.id });
    const classify = (texts: string[]): Promise<Classification[]> => {
      if (model.kind === "classifier") return model.classify(texts);
      if (model.kind === "remote") return remoteSentiment(model.model, model.description, texts, signal);
      return zeroShotSentiment(model, texts, readModelPrompts(model.dir), signal);
    };
    const languages =
      model.kind === "remote" ? remoteLanguages(model.description) : declaredLanguages(model.folder.config);
    const unsupported = input.texts.map((text) => unsupportedLanguageOf(text, languages));
    const known = input.texts.filter((_, i) => !unsupported[i]);
    const knownResults = known.length ? await classify(known) : [];
    let next = 0;
    const results = input.texts.map((_, i) => (unsupported[i] ? undefined : knownResults[next++]!));
    // One sentence is no breakdown: only texts that split into several get one.
    const sentencesOf = input.texts.map((text, i) => {
      const sentences = !unsupported[i] && text.length >= BREAKDOWN_MIN_CHARS ? splitSentences(text) : [];
      return sentences.length > 1 ? sentences : [];
    });
    const sentenceTexts = sentencesOf.flat();
    signal.throwIfAborted(); // nobody would read the breakdown
    const sentenceResults = sentenceTexts.length ? await classify(sentenceTexts) : [];
    let cursor = 0;
    const body: SentimentResult[] = input.texts.map((text, i) => {
      const r = results[i];
      const language = unsupported[i];
      if (!r || language) return { text, label: null, score: null, scores: {}, unsupportedLanguage: language };
      const breakdown = sentencesOf[i]!.map((s) => {
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
    const tokens = [...knownResults, ...sentenceResults].reduce((n, r) => n + r.tokens, 0);
    const { durationMs } = timer.read();
    await services.runs.finish(runId, { status: "completed", promptTokens: tokens, durationMs });
    return {
      results: body,
      model: {
        id: row.id,
        name: row.displayName,
        method: model.kind === "classifier" ? "classifier" : model.kind === "remote" ? "generated" : "zero-shot",
        ...(languages && { languages }),
      },
      stats: { tokens, durationMs },
    };
  } catch (error) {
    if (runId)
      await services.runs.finish(
        runId,
        signal.aborted
          ? { status: "stopped", durationMs: timer.read().durationMs }
          : { status: "failed", error: String((error as Error)?.message ?? error) },
      );
    throw error;
  }
}

/** A remote's languages as its row declares them; undefined (unknown) when it declares none. */
function remoteLanguages(description: ModelDescription): Record<string, string> | undefined {
  const { languages } = description.languages;
  return Object.keys(languages).length ? languages : undefined;
}

/** The language of a text when it is surely none the model declares; undefined otherwise. */
function unsupportedLanguageOf(text: string, languages: Record<string, string> | undefined) {
  if (!languages) return undefined; // coverage unknown: nothing to compare with
  const codes = Object.keys(languages);
  const detection = detectLanguage(text, codes);
  if (!detection.confident || !detection.language || codes.includes(detection.language)) return undefined;
  return { code: detection.language, name: detection.name ?? detection.language };
}
