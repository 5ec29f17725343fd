// `npm run eval -- --feedback FILE`: the feedback slice on each --model, kept apart from the
// standard evaluation (it needs no validation split).
import { writeFileSync } from "node:fs";
import { engineOptionsFromEnv } from "../server/config";
import {
  evaluateFeedback,
  FeedbackExportError,
  feedbackMetrics,
  feedbackReport,
  readFeedbackExport,
} from "../server/eval/feedback-slice";
import { loadModel } from "../server/inference/index";

export async function evaluateFeedbackSlice(file: string, dirs: string[], json: string | undefined): Promise<void> {
  const slice = readFeedbackExport(file);
  const engine = engineOptionsFromEnv();
  const quiet = { info: () => {}, warn: (m: string) => console.error(m) };
  const results = [];
  for (const dir of dirs) {
    const model = await loadModel(dir, { ...engine, logger: quiet });
    try {
      if (model.kind !== "causal-lm") throw new Error(`${dir}: the feedback slice scores language models only`);
      const feedback = await evaluateFeedback(model, slice);
      console.log(feedbackReport(model.id, file, feedback));
      results.push({ model: model.id, dir, feedback, metrics: feedbackMetrics(feedback) });
    } finally {
      await model.dispose();
    }
  }
  if (json) {
    writeFileSync(json, JSON.stringify({ feedback: file, results }, null, 1));
    console.log(`wrote ${json}`);
  }
}

/** The CLI's entry: a bad or missing export is a message and exit code 2, not a stack trace. */
export async function feedbackCommand(file: string, dirs: string[], json: string | undefined): Promise<number> {
  try {
    await evaluateFeedbackSlice(file, dirs, json);
    return 0;
  } catch (error) {
    const unreadable = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (!(error instanceof FeedbackExportError) && !unreadable) throw error;
    console.error(unreadable ? `no such feedback export: ${file}` : (error as Error).message);
    return 2;
  }
}
