// Proving a model folder works before the registry offers it: config and tokenizer parse, the
// graph loads and fits its kind, and a short generation (or classification) runs. The report is
// what the registry records about the folder.
import type { AppName } from "../apps";
import { loadModel, readModelFolder, type LoadModelOptions, type ModelKind } from "../inference";
import type { Logger } from "../logger";
import { architectureOf, declaredDisplayName, declaredApps, parameterCount } from "./folder-info";

export interface ValidationReport {
  kind: ModelKind;
  architecture: string;
  parameterCount?: number;
  decodeTokensPerSecond?: number;
  tasks: AppName[];
  displayName: string;
}

export interface ValidateOptions {
  logger: Logger;
  /** Passed to the model load (device, threads, scheduler limits). */
  loadOptions?: Omit<LoadModelOptions, "id" | "logger">;
}

const SMOKE_TOKENS = 16;

/** Loads the folder, runs the smoke test and disposes of the model; measures decode speed on the way. */
export async function validateModelFolder(
  dir: string,
  fallbackName: string,
  { logger, loadOptions }: ValidateOptions,
): Promise<ValidationReport> {
  const folder = await readModelFolder(dir);
  const model = await loadModel(dir, { ...loadOptions, id: `validate:${fallbackName}`, logger });
  try {
    let decodeTokensPerSecond: number | undefined;
    // An encoder-decoder streams through the same generate as a causal LM.
    if (model.kind === "causal-lm" || model.kind === "seq2seq") {
      for await (const event of model.generate({
        prompt: "Hello",
        maxNewTokens: SMOKE_TOKENS,
        temperature: 0,
        ignoreEos: true,
      })) {
        if (event.type === "finish") decodeTokensPerSecond = event.timings.decodeTokensPerSecond;
      }
    } else if (model.kind === "extractive-summarizer") {
      const { scores } = await model.summarize("This is a short test sentence. Here is another one.", 1);
      if (scores.length !== 2 || !scores.every(Number.isFinite))
        throw new Error("the extractive summariser did not give one finite score per sentence");
    } else {
      const [result] = await model.classify(["This is a short test sentence."]);
      if (!result || !Number.isFinite(result.score)) throw new Error("the classifier returned no finite score");
    }
    return {
      kind: model.kind,
      architecture: architectureOf(folder),
      parameterCount: parameterCount(folder),
      decodeTokensPerSecond,
      tasks: declaredApps(folder),
      displayName: declaredDisplayName(folder, fallbackName),
    };
  } finally {
    await model.dispose();
  }
}
