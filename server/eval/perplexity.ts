// Perplexity of the split's final assistant replies, per task, by the engine's token log-probabilities.
import type { LoadedCausalLM } from "../inference/index";
import type { EvalSize } from "./sizes";
import { lastReply, type ChatRow } from "./validation-split";

export interface PerplexityEval {
  perplexity: Record<string, number>;
  n: Record<string, number>;
}

/**
 * Per task, the perplexity of the final assistant reply (and the end-of-turn token) given the
 * conversation before it, rendered by the model's chat template; rows whose prompt and reply do
 * not fit the context are left out.
 */
export async function evaluatePerplexity(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
): Promise<PerplexityEval> {
  const endOfTurn = model.folder.generation.eosTokenIds[0];
  const result: PerplexityEval = { perplexity: {}, n: {} };
  const tasks = [...new Set(rows.map((r) => r.task))];
  for (const task of tasks) {
    const scored: { prompt: number[]; reply: number[] }[] = [];
    for (const row of rows) {
      if (row.task !== task || row.messages.at(-1)!.role !== "assistant") continue;
      const prompt = model.encodePrompt({ messages: row.messages.slice(0, -1) });
      const reply = model.encodePrompt({ prompt: lastReply(row), addSpecialTokens: false });
      if (endOfTurn !== undefined) reply.push(endOfTurn);
      if (prompt.length + reply.length > model.maxPositions) continue;
      scored.push({ prompt, reply });
      if (scored.length === size.perplexity) break;
    }
    let nll = 0;
    let tokens = 0;
    for (const { prompt, reply } of scored) {
      const logProbs = await model.tokenLogProbs(prompt, reply);
      nll -= logProbs.reduce((a, b) => a + b, 0);
      tokens += logProbs.length;
    }
    result.perplexity[task] = tokens ? Math.exp(nll / tokens) : NaN;
    result.n[task] = scored.length;
  }
  return result;
}
