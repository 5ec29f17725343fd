// Markdown tables for `npm run eval`, and the side-by-side check against training/evaluate.py's
// eval.json (the PyTorch numbers for the same rows): the ONNX model served by the engine must
// score the same within noise (greedy near-ties can flip a few outputs).
import { chatDecoding } from "../apps/chat";
import {
  PROBE_SEEDS,
  type ChatLanguageEval,
  type CodeEval,
  type PerplexityEval,
  type ProbeDecoding,
  type SentimentEval,
  type SummaryEval,
  type TranslationEval,
} from "./evaluate";
import type { CodeCompletionEval } from "./code-completion";
import type { ExtractiveEval } from "./extractive";

export interface ModelEval {
  model: string;
  seconds: number;
  sentiment?: SentimentEval;
  translation?: Record<string, TranslationEval>;
  summaries?: SummaryEval;
  code?: CodeEval;
  /** A raw code model's next-line completion (code-completion.ts), one entry per prompt setting. */
  code_completion?: CodeCompletionEval[];
  perplexity?: PerplexityEval;
  chat_language?: ChatLanguageEval;
  /** The same probes decoded as the chat app samples its replies. */
  chat_language_app?: ChatLanguageEval;
  /** An extractive summariser's ROUGE against lead-1/lead-3 (extractive.ts). */
  extractive?: ExtractiveEval;
}

const PROBE_DECODING_LABELS: Record<ProbeDecoding, string> = {
  greedy: "greedy",
  app: `as the chat app samples (T ${chatDecoding.temperature}, top-p ${chatDecoding.topP}, ${PROBE_SEEDS.length} seeds)`,
};

const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);

function table(header: string[], rows: (string | number)[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

export function markdownReport(e: ModelEval): string {
  const out = [`## ${e.model} (${e.seconds.toFixed(0)} s)`, ""];
  if (e.sentiment) {
    const s = e.sentiment;
    out.push(
      ...table(
        ["split", "n", "accuracy", "majority baseline"],
        [
          ["all validation", s.n, f3(s.accuracy), f3(s.majority_baseline)],
          ...Object.entries(s.per_source).map(([k, v]) => [k, v.n, f3(v.accuracy), f3(v.majority_baseline)]),
        ],
      ),
      "",
    );
  }
  if (e.translation) {
    const rows = Object.entries(e.translation).map(([k, v]) => [k, v.n, f1(v.chrF), f1(v.BLEU)]);
    out.push(...table(["direction (val set)", "n", "chrF", "BLEU"], rows), "");
  }
  if (e.summaries?.bbc) {
    const b = e.summaries.bbc;
    const rows: (string | number)[][] = [
      ["model", f1(b.model.rouge1), f1(b.model.rouge2), f1(b.model.rougeL)],
      ["lead-3 baseline", f1(b.lead3.rouge1), f1(b.lead3.rouge2), f1(b.lead3.rougeL)],
    ];
    const s = e.summaries.short;
    if (s)
      rows.push([
        `model, short-summary sets (${s.sources.join(", ")}, n=${s.n})`,
        f1(s.model.rouge1),
        f1(s.model.rouge2),
        f1(s.model.rougeL),
      ]);
    out.push(...table([`summaries (BBC val, n=${b.n})`, "ROUGE-1", "ROUGE-2", "ROUGE-L"], rows), "");
  }
  if (e.code) {
    const c = e.code;
    out.push(
      ...table(
        [`code next line (val, n=${c.n})`, "exact match %", "edit similarity %"],
        [
          ["model", f1(c.model.exact_match), f1(c.model.edit_similarity)],
          ["repeat previous line", f1(c.repeat_previous_line.exact_match), f1(c.repeat_previous_line.edit_similarity)],
        ],
      ),
      "",
    );
  }
  if (e.code_completion) {
    const rows = e.code_completion.flatMap((c) => [
      [
        `${c.setting}: model`,
        c.model.n,
        f1(c.model.exact_match),
        f1(c.model_long.exact_match),
        f1(c.model.edit_similarity),
      ],
      [
        `${c.setting}: repeat previous line`,
        c.repeat_previous_line.n,
        f1(c.repeat_previous_line.exact_match),
        f1(c.repeat_previous_line_long.exact_match),
        f1(c.repeat_previous_line.edit_similarity),
      ],
    ]);
    out.push(
      ...table(["code next line (held-out packages)", "n", "exact match %", "EM % (>= 10 chars)", "edit sim. %"], rows),
      "",
    );
  }
  if (e.perplexity) {
    const tasks = Object.keys(e.perplexity.perplexity);
    out.push(
      ...table(
        ["validation perplexity (final reply)", ...tasks],
        [
          ["model", ...tasks.map((t) => e.perplexity!.perplexity[t]!.toFixed(2))],
          ["n", ...tasks.map((t) => e.perplexity!.n[t]!)],
        ],
      ),
      "",
    );
  }
  const probeRuns = [e.chat_language, e.chat_language_app].filter((c) => c !== undefined);
  if (probeRuns.length) {
    const languages = Object.keys(probeRuns[0]!.per_language);
    out.push(
      ...table(
        ["chat probes, decoded", "replies", "on topic %", "same language %", ...languages],
        probeRuns.map((c) => [
          PROBE_DECODING_LABELS[c.decoding],
          c.n,
          f1(c.on_topic),
          f1(c.same_language),
          ...languages.map((l) => f1(c.per_language[l]!)),
        ]),
      ),
      "",
    );
  }
  return out.join("\n");
}

/** The Python side's eval.json `results` (only the fields compared). */
export interface PythonResults {
  sentiment?: { n: number; accuracy: number };
  translation?: Record<string, { n: number; chrF: number; BLEU: number }>;
  summary_bbc?: { n: number; model: { rougeL: number } };
  code?: { n: number; model: { exact_match: number; edit_similarity: number } };
  /** training/evaluate_code.py's results, by prompt setting. */
  code_completion?: Record<string, { model: { n: number; exact_match: number; edit_similarity: number } }>;
  perplexity?: Record<string, number>;
  perplexity_n?: Record<string, number>;
}

/** Rows "metric | PyTorch | engine | Δ" for every metric both sides computed on as many rows. */
export function comparison(e: ModelEval, py: PythonResults): string {
  const rows: [string, number, number][] = [];
  if (e.sentiment && py.sentiment?.n === e.sentiment.n)
    rows.push(["sentiment accuracy", py.sentiment.accuracy, e.sentiment.accuracy]);
  for (const [k, v] of Object.entries(e.translation ?? {})) {
    const p = py.translation?.[k];
    if (p?.n === v.n) rows.push([`chrF ${k}`, p.chrF, v.chrF], [`BLEU ${k}`, p.BLEU, v.BLEU]);
  }
  if (e.summaries?.bbc && py.summary_bbc?.n === e.summaries.bbc.n)
    rows.push(["ROUGE-L BBC", py.summary_bbc.model.rougeL, e.summaries.bbc.model.rougeL]);
  if (e.code && py.code?.n === e.code.n) {
    rows.push(["code exact match %", py.code.model.exact_match, e.code.model.exact_match]);
    rows.push(["code edit similarity %", py.code.model.edit_similarity, e.code.model.edit_similarity]);
  }
  for (const c of e.code_completion ?? []) {
    const p = py.code_completion?.[c.setting];
    if (p?.model.n === c.model.n)
      rows.push([`code ${c.setting} exact match %`, p.model.exact_match, c.model.exact_match]);
  }
  for (const [task, value] of Object.entries(e.perplexity?.perplexity ?? {})) {
    const p = py.perplexity?.[task];
    if (p !== undefined && py.perplexity_n?.[task] === e.perplexity!.n[task])
      rows.push([`perplexity ${task}`, p, value]);
  }
  if (rows.length === 0) return "";
  const fmt = (x: number) => (Math.abs(x) < 2 ? x.toFixed(4) : x.toFixed(2));
  return [
    "PyTorch (training/evaluate.py) vs the engine (onnxruntime-node), same rows:",
    "",
    ...table(
      ["metric", "PyTorch", "engine", "Δ"],
      rows.map(([name, a, b]) => [name, fmt(a), fmt(b), fmt(b - a)]),
    ),
  ].join("\n");
}
