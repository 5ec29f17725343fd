// `npm run eval -- --bias`: the probe sets on each model folder, in the languages it declares; a
// classifier is probed directly, a chat model through its answers (scored by the sentiment model).
// With writeQuality the results go into the folder's loom-quality.json ("bias") and its card.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { declaredLanguages } from "../../apps/languages";
import { loadClassifier, loadModel, type LoadedClassifier, type LoadModelOptions } from "../../inference/index";
import { mergeQualityFile } from "../../quality/quality-file";
import { declaredFim } from "../code-completion";
import { biasCardSection, biasMarkdown, writeBiasCard } from "./card";
import { probeSetsFor } from "./probe-sets";
import { probeClassifier, probeGenerative, type BiasRun } from "./run";

export interface BiasEvalOptions {
  /** The sentiment classifier that scores generative answers. */
  scorerDir: string;
  writeQuality: boolean;
  /** Also write the report (loom-quality.json's "bias" shape) here; one model folder only. */
  json?: string;
  /** One swap row per sentence for generative models (a smoke run). */
  quick: boolean;
  load: LoadModelOptions;
  log: (line: string) => void;
}

/** Why a kind of model is not probed: nothing it outputs has a sentiment to compare. */
const NOT_PROBED: Record<string, string> = {
  "extractive-summarizer":
    "an extractive summariser only picks sentences of the text it is given; a swapped name is copied through, so there is no label or answer of its own to compare",
  seq2seq:
    "an encoder-decoder (translation or summary model): the probes score a chat answer's log-likelihood, which it has no causal scorer for",
  fim: "a raw code completion model (no chat prompt): it continues code, not sentences about people",
};

/** Probes one folder; undefined (with the reason logged) when its kind is not probed. */
export async function probeModelFolder(
  dir: string,
  options: BiasEvalOptions,
  scorer: () => Promise<LoadedClassifier>,
): Promise<BiasRun | undefined> {
  const model = await loadModel(dir, options.load);
  try {
    if (
      model.kind === "extractive-summarizer" ||
      model.kind === "seq2seq" ||
      (model.kind === "causal-lm" && declaredFim(model))
    ) {
      options.log(`${model.id}: not probed: ${NOT_PROBED[model.kind === "causal-lm" ? "fim" : model.kind]}`);
      return undefined;
    }
    const languages = Object.keys(declaredLanguages(model.folder.config) ?? {});
    const sets = probeSetsFor(languages);
    if (sets.length === 0) {
      options.log(`${model.id}: no probe set in its languages (${languages.join(", ")}); skipped`);
      return undefined;
    }
    if (model.kind === "classifier") return await probeClassifier(model, sets);
    return await probeGenerative(model, await scorer(), sets, {
      scorerId: path.basename(options.scorerDir),
      maxFills: options.quick ? 1 : undefined,
    });
  } finally {
    await model.dispose();
  }
}

export async function evaluateBias(dirs: readonly string[], options: BiasEvalOptions): Promise<void> {
  if (options.json && dirs.length !== 1) throw new Error("--bias --json FILE takes exactly one --model");
  let scorer: Promise<LoadedClassifier> | undefined;
  const loadScorer = () => (scorer ??= loadClassifier(options.scorerDir, options.load));
  try {
    for (const dir of dirs) {
      const started = performance.now();
      const run = await probeModelFolder(dir, options, loadScorer);
      if (!run) continue;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      options.log(
        `## Bias probes: ${path.basename(dir)} (${seconds} s)\n\n${biasMarkdown(run.report, run.cases, 5)}\n`,
      );
      // make -C training finetune reads it for the base and the new model's card (FINETUNE_BIAS).
      if (options.json) writeFileSync(options.json, `${JSON.stringify(run.report, null, 2)}\n`);
      if (options.writeQuality) {
        mergeQualityFile(dir, { bias: run.report });
        writeBiasCard(dir, biasCardSection(run.report, run.cases));
        options.log(`wrote ${path.join(dir, "loom-quality.json")} ("bias") and the card's "## Bias probes"\n`);
      }
    }
  } finally {
    if (scorer) await (await scorer).dispose();
  }
}
