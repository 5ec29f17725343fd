// Sentiment: the classifier's accuracy on the split, against the majority-class baseline.
import type { LoadedClassifier } from "../inference/index";
import { mean } from "./metrics";
import type { SentimentRow } from "./validation-split";

export interface SentimentEval {
  n: number;
  accuracy: number;
  majority_baseline: number;
  per_source: Record<string, { n: number; accuracy: number; majority_baseline: number }>;
}

function majority(labels: number[]): number {
  const positive = mean(labels.map((l) => (l === 1 ? 1 : 0)));
  return Math.max(positive, 1 - positive);
}

/** Accuracy of a classifier whose labels include the split's (0 = negative, 1 = positive). */
export async function evaluateSentiment(model: LoadedClassifier, rows: SentimentRow[]): Promise<SentimentEval> {
  const names = ["negative", "positive"];
  const predicted: number[] = [];
  for (let i = 0; i < rows.length; i += 64) {
    const out = await model.classify(rows.slice(i, i + 64).map((r) => r.text));
    predicted.push(...out.map((c) => names.indexOf(c.label.toLowerCase())));
  }
  const correct = rows.map((r, i) => (predicted[i] === r.label ? 1 : 0));
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const per_source = Object.fromEntries(
    sources.map((source) => {
      const idx = rows.flatMap((r, i) => (r.source === source ? [i] : []));
      return [
        source,
        {
          n: idx.length,
          accuracy: mean(idx.map((i) => correct[i]!)),
          majority_baseline: majority(idx.map((i) => rows[i]!.label)),
        },
      ];
    }),
  );
  return {
    n: rows.length,
    accuracy: mean(correct),
    majority_baseline: majority(rows.map((r) => r.label)),
    per_source,
  };
}
