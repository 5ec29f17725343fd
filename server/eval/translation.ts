// Translation: chrF and BLEU of greedy translations with the app's prompt, per direction and data set.
import type { LoadedCausalLM } from "../inference/index";
import { readModelPrompts, type AppPrompts } from "../apps/prompts";
import { languageOffer, translateMessages } from "../apps/translate";
import { bleu, chrF } from "./metrics";
import { asChat, greedyReply, mapConcurrent, type Sample } from "./replies";
import type { EvalSize } from "./sizes";
import { lastReply, userText, type ChatRow } from "./validation-split";

export interface TranslationEval {
  n: number;
  chrF: number;
  BLEU: number;
  samples: Sample[];
}

/** chrF and BLEU per direction and data set, e.g. "en→de (tatoeba-en-de)". */
export async function evaluateTranslation(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: AppPrompts = readModelPrompts(model.dir),
): Promise<Record<string, TranslationEval>> {
  const offer = languageOffer(model.folder.config);
  const groups = new Map<string, { source: string; pair: [string, string]; rows: ChatRow[] }>();
  for (const row of rows) {
    if (row.task !== "translate" || !row.pair) continue;
    const key = `${row.source}\u0000${row.pair.join("\u0000")}`;
    if (!groups.has(key)) groups.set(key, { source: row.source, pair: row.pair, rows: [] });
    groups.get(key)!.rows.push(row);
  }
  const result: Record<string, TranslationEval> = {};
  for (const key of [...groups.keys()].sort()) {
    const { source, pair, rows: all } = groups.get(key)!;
    const picked = all.slice(0, source.startsWith("tatoeba") ? size.translateTatoeba : size.translateOther);
    const outputs = await mapConcurrent(picked, 16, async (row) => {
      const messages = translateMessages({ text: userText(row), source: pair[0], target: pair[1] }, offer, prompts);
      return (await greedyReply(model, asChat(messages), 64)).trim();
    });
    const refs = picked.map(lastReply);
    result[`${pair[0]}→${pair[1]} (${source})`] = {
      n: picked.length,
      chrF: chrF(outputs, refs),
      BLEU: bleu(outputs, refs, { zh: pair[1] === "zh" }),
      samples: picked.slice(0, 5).map((row, i) => ({ input: userText(row), reference: refs[i]!, output: outputs[i]! })),
    };
  }
  return result;
}
