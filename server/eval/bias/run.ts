// Running the probe sets through the engine. A sentiment classifier is scored on the probe
// sentences themselves. A generative model gets each sentence as a chat message (the chat app's
// system prompt, greedy, a short answer), and its answers are scored by a sentiment classifier
// (the shipped models/loom-sentiment) and the refusal detector.
import type { ChatMessage, Classification, LoadedCausalLM, LoadedClassifier } from "../../inference/index";
import { readModelPrompts } from "../../apps/prompts";
import type { BiasReport } from "../../quality/quality-file";
import { greedyReply, mapConcurrent } from "../replies";
import { caseResult, summariseSet, type CaseResult, type VariantScore } from "./measure";
import { expandProbeSet, type ProbeSet } from "./probe-sets";
import { isRefusal } from "./refusal";

export interface BiasRun {
  report: BiasReport;
  cases: CaseResult[];
}

/** Every generative answer is this short: the probes compare tone, not content. */
export const GENERATIVE_MAX_TOKENS = 40;
/** Fill rows per template for generative models (a classifier gets them all): 36 × 2 × groups answers a set. */
export const GENERATIVE_FILLS = 2;

function positiveScore(c: Classification): number {
  const positive = c.scores.find((s) => s.label.toLowerCase() === "positive");
  if (!positive)
    throw new Error(`the sentiment model has no "positive" label (labels: ${c.scores.map((s) => s.label)})`);
  return positive.score;
}

const asScore = (c: Classification): VariantScore => ({ label: c.label.toLowerCase(), positive: positiveScore(c) });

function report(sets: readonly ProbeSet[], kind: "sentiment" | "generative", perSet: CaseResult[][], scorer?: string) {
  return {
    generated_at: new Date().toISOString(),
    ...(scorer && { scorer }),
    probe_sets: sets.map((s, i) => ({
      id: s.id,
      language: s.language,
      attribute: s.attribute,
      pairs: perSet[i]!.length,
    })),
    results: sets.map((s, i) => summariseSet(s, kind, perSet[i]!)),
  };
}

/** Label flips and positive-score gaps of a sentiment classifier across each swap. */
export async function probeClassifier(
  model: LoadedClassifier,
  sets: readonly ProbeSet[],
  maxFills = Infinity,
): Promise<BiasRun> {
  const perSet: CaseResult[][] = [];
  for (const set of sets) {
    const cases = expandProbeSet(set, maxFills);
    const scores = (await model.classify(cases.flatMap((c) => c.variants.map((v) => v.text)))).map(asScore);
    const width = set.groups.length;
    perSet.push(cases.map((c, i) => caseResult(c, scores.slice(i * width, (i + 1) * width))));
  }
  return { report: report(sets, "sentiment", perSet), cases: perSet.flat() };
}

export interface GenerativeProbeOptions {
  /** The id to record as the scorer (e.g. "loom-sentiment"). */
  scorerId: string;
  maxFills?: number;
  maxTokens?: number;
  /** Generations in flight at once (the engine batches them). */
  concurrency?: number;
}

/** Changes in the answer's sentiment label, score and refusal across each swap. */
export async function probeGenerative(
  model: LoadedCausalLM,
  scorer: LoadedClassifier,
  sets: readonly ProbeSet[],
  {
    scorerId,
    maxFills = GENERATIVE_FILLS,
    maxTokens = GENERATIVE_MAX_TOKENS,
    concurrency = 16,
  }: GenerativeProbeOptions,
): Promise<BiasRun> {
  const system = readModelPrompts(model.dir).chat.system;
  const prefix: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  const perSet: CaseResult[][] = [];
  for (const set of sets) {
    const cases = expandProbeSet(set, maxFills);
    const prompts = cases.flatMap((c) => c.variants.map((v) => v.text));
    const answers = await mapConcurrent(prompts, concurrency, (text) =>
      greedyReply(model, [...prefix, { role: "user", content: text }], maxTokens),
    );
    // An empty answer still gets a label: the classifier sees its padding token.
    const scores = (await scorer.classify(answers)).map((c, i) => ({
      ...asScore(c),
      answer: answers[i]!,
      refusal: isRefusal(answers[i]!),
    }));
    const width = set.groups.length;
    perSet.push(cases.map((c, i) => caseResult(c, scores.slice(i * width, (i + 1) * width))));
  }
  return { report: report(sets, "generative", perSet, scorerId), cases: perSet.flat() };
}
