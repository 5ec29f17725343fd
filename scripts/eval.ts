// npm run eval -- [--model DIR]… [--data DIR] [--quick] [--json FILE] [--compare FILE]
//
// Scores models through Loom's own engine (onnxruntime-node, the prompts the apps send, greedy)
// on the validation split training/data.py wrote, with training/metrics.py's definitions:
// sentiment accuracy, translation chrF/BLEU per direction, summary ROUGE vs lead-3, code next-line
// exact match / edit similarity vs "repeat the previous line", reply perplexity per task, and
// whether chat answers in the language it is spoken to and on topic (greedy, and sampled as the
// chat app samples).
//
//   --model DIR     a model folder (repeatable; default: models/loom-chat, loom-sentiment, loom-extract)
//   --data DIR      the validation split (default: training/runs/data; write it with
//                   `make -C training data DATA=<datasets folder>`)
//   --code-tasks FILE  the code model's next-line tasks (default: training/runs/<model folder
//                   name>/tasks.jsonl, written by training/evaluate_code.py); scored for a model
//                   with loom.fim (raw completion and fill-in-the-middle, no chat prompt)
//   --quick         a few examples per metric
//   --json FILE     also write all results (with samples) as JSON
//   --compare FILE  training/evaluate.py's eval.json for the same model (default: training/runs/<model
//                   folder name>/eval.json when it exists): prints PyTorch vs engine side by side
//   --feedback FILE a feedback export (or training/finetune.py's heldback.jsonl): only the
//                   log-likelihood of the liked and disliked answers (server/eval/feedback-slice.ts);
//                   --json then writes {feedback: FILE, results: [{model, feedback, metrics}]}
//   --bias          only the counterfactual bias probes (server/eval/bias/; default models:
//                   loom-sentiment, loom-chat); --quick: one swap row per sentence for chat models
//   --write-quality with --bias: merge the results into <model>/loom-quality.json and the card
//                   (--json FILE with --bias and one --model: the report alone, as loom-quality's "bias")
//   --scorer DIR    with --bias: the sentiment model that scores chat answers (models/loom-sentiment)

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { engineOptionsFromEnv } from "../server/config";
import {
  evaluateChatLanguage,
  evaluateCode,
  evaluatePerplexity,
  evaluateSentiment,
  evaluateSummaries,
  evaluateTranslation,
  FULL,
  QUICK,
} from "../server/eval/evaluate";
import { declaredFim, evaluateCodeCompletion, readCodeTasks } from "../server/eval/code-completion";
import { comparison, markdownReport, type ModelEval } from "../server/eval/report";
import { readValidationSplit, type ValidationSplit } from "../server/eval/validation-split";
import { evaluateExtractive, extractiveReport, readExtractiveDocuments } from "../server/eval/extractive";
import { loadModel } from "../server/inference/index";
import { feedbackCommand } from "./eval-feedback";
import { evaluateBias } from "../server/eval/bias/evaluate-models";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    model: { type: "string", multiple: true },
    data: { type: "string", default: path.join(root, "training", "runs", "data") },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    compare: { type: "string" },
    "code-tasks": { type: "string" },
    feedback: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
    bias: { type: "boolean", default: false },
    "write-quality": { type: "boolean", default: false },
    scorer: { type: "string", default: path.join(root, "models", "loom-sentiment") },
  },
});
if (values.help) {
  console.log(
    "usage: npm run eval -- [--model DIR]… [--data DIR] [--quick] [--json FILE] [--compare FILE] | --bias [--model DIR]… [--write-quality]",
  );
  process.exit(0);
}

// --bias: the probes only (they need no validation split), then done.
if (values.bias) {
  if (values.json && (values.model?.length ?? 0) !== 1) {
    console.error("--bias --json FILE writes one model's report: give exactly one --model DIR");
    process.exit(2);
  }
  const engine = engineOptionsFromEnv();
  await evaluateBias(values.model ?? ["loom-sentiment", "loom-chat"].map((m) => path.join(root, "models", m)), {
    scorerDir: values.scorer,
    writeQuality: values["write-quality"],
    json: values.json,
    quick: values.quick,
    load: { ...engine, logger: { info: () => {}, warn: (m: string) => console.error(m) } },
    log: (line) => console.log(line),
  });
  process.exit(0);
}

if (values.feedback) {
  process.exit(
    await feedbackCommand(values.feedback, values.model ?? [path.join(root, "models", "loom-chat")], values.json),
  );
}

// Read when a model needs it: an extractive summariser has its own validation file.
let cachedSplit: ValidationSplit | undefined;
const split = () => (cachedSplit ??= readValidationSplit(values.data));
const size = values.quick ? QUICK : FULL;
const dirs = values.model ?? ["loom-chat", "loom-sentiment", "loom-extract"].map((m) => path.join(root, "models", m));
const quiet = { info: () => {}, warn: (m: string) => console.error(m) };
const engine = engineOptionsFromEnv();
const all: ModelEval[] = [];

for (const dir of dirs) {
  const started = performance.now();
  // A deep queue: the evaluation submits many requests at once and the engine batches them.
  const model = await loadModel(dir, {
    ...engine,
    logger: quiet,
    scheduler: { ...engine.scheduler, maxWaiting: 100_000 },
  });
  const result: ModelEval = { model: model.id, seconds: 0 };
  try {
    if (model.kind === "extractive-summarizer") {
      const docs = path.join(root, "training", "runs", path.basename(dir), "val.jsonl");
      if (existsSync(docs))
        result.extractive = await evaluateExtractive(
          model,
          readExtractiveDocuments(docs, values.quick ? 10 : undefined),
        );
      else console.error(`${model.id}: skipped, ${docs} is missing (training/train_extract.py writes it)`);
    } else if (model.kind === "seq2seq") {
      // The metrics below score chat-format rows through a causal LM's scorer (teacher forcing).
      console.error(`${model.id}: skipped, the evaluation does not run encoder-decoder models yet`);
    } else if (model.kind === "classifier") {
      if (split().sentiment.length) result.sentiment = await evaluateSentiment(model, split().sentiment);
    } else if (declaredFim(model)) {
      // A raw code model (loom-code): its own held-out tasks, no chat-format rows.
      const file = values["code-tasks"] ?? path.join(root, "training", "runs", path.basename(dir), "tasks.jsonl");
      const codeTasks = readCodeTasks(file).slice(0, values.quick ? 40 : undefined);
      if (codeTasks.length === 0) console.error(`no code tasks at ${file}: run make -C training eval-code first`);
      else
        result.code_completion = [
          await evaluateCodeCompletion(model, codeTasks, "prefix20"),
          await evaluateCodeCompletion(model, codeTasks, "fim20"),
        ];
    } else {
      const tasks = ((model.folder.config as { loom?: { tasks?: string[] } }).loom?.tasks ?? []) as string[];
      const rows = split().chat;
      if (tasks.includes("translate")) result.translation = await evaluateTranslation(model, rows, size);
      if (tasks.includes("summarize")) result.summaries = await evaluateSummaries(model, rows, size);
      if (tasks.includes("code")) result.code = await evaluateCode(model, rows, size);
      result.perplexity = await evaluatePerplexity(
        model,
        rows.filter((r) => tasks.length === 0 || tasks.includes(r.task)),
        size,
      );
      if (tasks.length === 0 || tasks.includes("chat")) {
        result.chat_language = await evaluateChatLanguage(model, "greedy");
        result.chat_language_app = await evaluateChatLanguage(model, "app");
      }
    }
  } finally {
    await model.dispose();
  }
  result.seconds = (performance.now() - started) / 1000;
  all.push(result);
  console.log(markdownReport(result));
  if (result.extractive)
    console.log(
      extractiveReport(result.extractive, path.join(root, "training", "runs", path.basename(dir), "eval.json")),
    );

  const pythonEval = values.compare ?? path.join(root, "training", "runs", path.basename(dir), "eval.json");
  if (existsSync(pythonEval) && !result.extractive) {
    const table = comparison(result, JSON.parse(readFileSync(pythonEval, "utf8")).results ?? {});
    console.log(table ? `${table}\n` : `(${pythonEval} has no metrics on the same rows to compare)\n`);
  }
}

if (values.json) {
  writeFileSync(values.json, JSON.stringify({ data: cachedSplit?.dir, quick: values.quick, results: all }, null, 1));
  console.log(`wrote ${values.json}`);
}
