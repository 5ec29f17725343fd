// Code completion: the first line the model writes after the cursor, against the true next line
// and the repeat-the-previous-line baseline.
import type { LoadedCausalLM } from "../inference/index";
import { CODE_LANGUAGES, codeMessages, type CodeInput } from "../apps/code";
import { readModelPrompts, type AppPrompts } from "../apps/prompts";
import { editSimilarity, mean, pct } from "./metrics";
import { asChat, greedyReply, mapConcurrent, type Sample } from "./replies";
import type { EvalSize } from "./sizes";
import { userText, type ChatRow } from "./validation-split";

export interface CodeEval {
  n: number;
  model: { exact_match: number; edit_similarity: number };
  repeat_previous_line: { exact_match: number; edit_similarity: number };
  samples: Sample[];
}

function lineScores(candidates: string[], gold: string[]) {
  return {
    exact_match: pct(mean(candidates.map((c, i) => (c.trim() === gold[i]!.trim() ? 1 : 0)))),
    edit_similarity: pct(mean(candidates.map((c, i) => editSimilarity(c, gold[i]!)))),
  };
}

/** The split names code rows by language ("javascript", "python", …). */
function codeLanguage(source: string): CodeInput["language"] {
  const known = CODE_LANGUAGES.find((l) => l === source);
  if (!known) throw new Error(`code row from an unknown language "${source}"`);
  return known;
}

/** The first line the model writes after the cursor vs the true next line. */
export async function evaluateCode(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: AppPrompts = readModelPrompts(model.dir),
): Promise<CodeEval> {
  const picked = rows.filter((r) => r.task === "code" && r.next_line !== undefined).slice(0, size.code);
  const firstLines = await mapConcurrent(picked, 16, async (row) => {
    const messages = codeMessages({ code: userText(row), language: codeLanguage(row.source) }, prompts);
    return greedyReply(model, asChat(messages), 48, ["\n"]);
  });
  const gold = picked.map((r) => r.next_line!);
  return {
    n: picked.length,
    model: lineScores(firstLines, gold),
    repeat_previous_line: lineScores(
      picked.map((r) => r.prev_line ?? ""),
      gold,
    ),
    samples: picked
      .slice(0, 5)
      .map((row, i) => ({ input: userText(row), reference: gold[i]!, output: firstLines[i]! })),
  };
}
