// Summaries: ROUGE of the app's "medium" summaries (long texts summarised in pieces, as the app
// does), BBC against the lead-3 baseline, and the short-summary sets.
import type { LoadedCausalLM } from "../inference/index";
import { readModelPrompts, type AppPrompts } from "../apps/prompts";
import { summarizeHierarchically, summarizeMessages, summaryInputBudget } from "../apps/summarize";
import { mean, pct, rouge, type RougeScores } from "./metrics";
import { asChat, greedyReply, mapConcurrent, type Sample } from "./replies";
import type { EvalSize } from "./sizes";
import { lastReply, userText, type ChatRow } from "./validation-split";

export interface SummaryEval {
  bbc?: {
    n: number;
    model: RougeScores;
    lead3: RougeScores;
    mean_words: { model: number; reference: number };
    samples: Sample[];
  };
  short?: { n: number; sources: string[]; model: RougeScores };
}

function meanRouge(scores: RougeScores[]): RougeScores {
  return {
    rouge1: pct(mean(scores.map((s) => s.rouge1))),
    rouge2: pct(mean(scores.map((s) => s.rouge2))),
    rougeL: pct(mean(scores.map((s) => s.rougeL))),
  };
}

const words = (s: string) => s.split(/\s+/u).filter(Boolean).length;

/** ROUGE of the app's "medium" summaries: BBC against lead-3, and the short-summary sets. */
export async function evaluateSummaries(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: AppPrompts = readModelPrompts(model.dir),
): Promise<SummaryEval> {
  // As the app: a text longer than one prompt can carry is summarised in pieces first.
  const countTokens = (s: string) => model.encodePrompt({ prompt: s }).length;
  const summarize = (picked: ChatRow[], maxOutputTokens: number) =>
    mapConcurrent(picked, 8, async (row) => {
      const reply = (text: string) =>
        greedyReply(model, asChat(summarizeMessages(text, "medium", prompts)), maxOutputTokens);
      const { finalInput } = await summarizeHierarchically({
        text: userText(row),
        maxInputTokens: summaryInputBudget({
          maxPositions: model.maxPositions,
          maxOutputTokens,
          length: "medium",
          prompts,
          countTokens,
        }),
        countTokens,
        summarizePiece: reply,
      });
      return (await reply(finalInput)).trim();
    });
  const result: SummaryEval = {};
  const bbc = rows.filter((r) => r.task === "summarize" && r.source === "bbc").slice(0, size.summaries);
  if (bbc.length) {
    const outputs = await summarize(bbc, 128);
    const refs = bbc.map(lastReply);
    result.bbc = {
      n: bbc.length,
      model: meanRouge(outputs.map((o, i) => rouge(o, refs[i]!))),
      lead3: meanRouge(bbc.map((row, i) => rouge(row.lead3 ?? "", refs[i]!))),
      mean_words: { model: mean(outputs.map(words)), reference: mean(refs.map(words)) },
      samples: bbc.slice(0, 3).map((row, i) => ({ input: userText(row), reference: refs[i]!, output: outputs[i]! })),
    };
  }
  const short = rows.filter((r) => r.task === "summarize" && r.source !== "bbc").slice(0, size.summaries);
  if (short.length) {
    const outputs = await summarize(short, 64);
    result.short = {
      n: short.length,
      sources: [...new Set(short.map((r) => r.source))].sort(),
      model: meanRouge(outputs.map((o, i) => rouge(o, lastReply(short[i]!)))),
    };
  }
  return result;
}
