// Raw code completion for a code model (config.json loom.fim, e.g. loom-code): the first line it
// writes after a prefix that ends at a line break, and the same with the following lines as the
// fill-in-the-middle suffix. The tasks are those training/evaluate_code.py sampled from held-out
// packages (runs/loom-code/tasks.jsonl), so both evaluations score the same prompts.
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { LoadedCausalLM } from "../inference/index";
import { editSimilarity, mean, pct } from "./metrics";
import { mapConcurrent, replyText, type Sample } from "./replies";

export const fimTokens = z.object({ prefix: z.string(), suffix: z.string(), middle: z.string() });
export type FimTokens = z.infer<typeof fimTokens>;

const codeTask = z.object({
  prefix: z.string(),
  suffix: z.string(),
  next_line: z.string(),
  prev_line: z.string(),
  lang: z.string(),
});
export type CodeTask = z.infer<typeof codeTask>;

/** Room left for the answer (evaluate_code.py keeps the same 48 tokens). */
const ANSWER_TOKENS = 48;
/** Lines of >= this many non-blank characters are also scored on their own. */
const LONG_LINE = 10;

export function readCodeTasks(file: string): CodeTask[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => codeTask.parse(JSON.parse(l)));
}

/** The model's FIM sentinels (config.json loom.fim), or undefined for a model without them. */
export function declaredFim(model: LoadedCausalLM): FimTokens | undefined {
  const parsed = fimTokens.safeParse((model.folder.config as { loom?: { fim?: unknown } }).loom?.fim);
  return parsed.success ? parsed.data : undefined;
}

/** PSM prompt ids: sentinel, the prefix's last tokens, sentinel, the suffix's first tokens, sentinel. */
export function fimPromptIds(model: LoadedCausalLM, fim: FimTokens, prefix: string, suffix: string): number[] {
  const room = model.maxPositions - ANSWER_TOKENS;
  const tok = model.tokenizer;
  const special = (text: string) => tok.encode(text, { addSpecialTokens: false });
  const suffixIds = tok.encodeUntrusted(suffix, { addSpecialTokens: false }).slice(0, Math.floor(room / 4));
  const prefixIds = tok.encodeUntrusted(prefix, { addSpecialTokens: false }).slice(-(room - suffixIds.length - 3));
  return [...special(fim.prefix), ...prefixIds, ...special(fim.suffix), ...suffixIds, ...special(fim.middle)];
}

const nonBlank = (s: string) => s.replace(/\s/g, "").length;

function scores(hyps: string[], tasks: CodeTask[], keep: (t: CodeTask) => boolean) {
  const idx = tasks.flatMap((t, i) => (keep(t) ? [i] : []));
  return {
    n: idx.length,
    exact_match: pct(mean(idx.map((i) => (hyps[i]!.trim() === tasks[i]!.next_line.trim() ? 1 : 0)))),
    edit_similarity: pct(mean(idx.map((i) => editSimilarity(hyps[i]!.trim(), tasks[i]!.next_line.trim())))),
  };
}

export interface CompletionScores {
  n: number;
  exact_match: number;
  edit_similarity: number;
}

export interface CodeCompletionEval {
  setting: "prefix20" | "fim20";
  model: CompletionScores;
  model_long: CompletionScores;
  repeat_previous_line: CompletionScores;
  repeat_previous_line_long: CompletionScores;
  samples: Sample[];
}

/** Greedy first lines through the engine, raw (`prefix20`) or with the suffix (`fim20`). */
export async function evaluateCodeCompletion(
  model: LoadedCausalLM,
  tasks: CodeTask[],
  setting: CodeCompletionEval["setting"],
): Promise<CodeCompletionEval> {
  const fim = declaredFim(model);
  if (setting === "fim20" && !fim) throw new Error(`${model.id} declares no loom.fim sentinels`);
  const room = model.maxPositions - ANSWER_TOKENS;
  const hyps = await mapConcurrent(tasks, 16, (t) =>
    replyText(model, {
      promptIds:
        setting === "fim20"
          ? fimPromptIds(model, fim!, t.prefix, t.suffix)
          : model.tokenizer.encodeUntrusted(t.prefix, { addSpecialTokens: false }).slice(-room),
      temperature: 0,
      maxNewTokens: ANSWER_TOKENS,
      stopSequences: ["\n"],
    }),
  );
  const prev = tasks.map((t) => t.prev_line);
  const long = (t: CodeTask) => nonBlank(t.next_line) >= LONG_LINE;
  return {
    setting,
    model: scores(hyps, tasks, () => true),
    model_long: scores(hyps, tasks, long),
    repeat_previous_line: scores(prev, tasks, () => true),
    repeat_previous_line_long: scores(prev, tasks, long),
    samples: tasks
      .slice(0, 5)
      .map((t, i) => ({ input: t.prefix.split("\n").slice(-4).join("\n"), reference: t.next_line, output: hyps[i]! })),
  };
}
