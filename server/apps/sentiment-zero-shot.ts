// Zero-shot sentiment with a language model, for when no classifier is assigned: ask the model the
// sentiment question and compare the probabilities it gives to each label word as its next token.
// Scores are the softmax over the label words only, so they sum to 1 across labels.
import type { Classification, LoadedCausalLM } from "../inference";
import { headOf, largestFitting } from "./budget";
import { fillTemplate, type AppPrompts } from "./prompts";

export const ZERO_SHOT_LABELS = ["negative", "positive"] as const;

/** The first token of each label word, as the model would write it at the start of its answer. */
function labelTokens(model: LoadedCausalLM): number[] {
  return ZERO_SHOT_LABELS.map((label) => {
    const ids = model.encodePrompt({ prompt: label, addSpecialTokens: false });
    if (ids.length === 0) throw new Error(`the tokenizer cannot encode "${label}"`);
    return ids[0]!;
  });
}

/**
 * The scoring prompt's ids, the text cut from its end until the prompt fits the context (one
 * position is scored), as a classifier truncates what it reads; `tokens` reports what was seen.
 */
function fittedPrompt(model: LoadedCausalLM, text: string, prompts: AppPrompts): number[] {
  const encode = (t: string) =>
    model.encodePrompt({
      messages: [
        ...(prompts.sentiment.system ? [{ role: "system" as const, content: prompts.sentiment.system }] : []),
        { role: "user", content: fillTemplate(prompts.sentiment.user, { text: t }) },
      ],
    });
  const fits = (t: string) => encode(t).length <= model.maxPositions - 1;
  if (fits(text)) return encode(text);
  const keep = largestFitting(0, text.length, (k) => fits(headOf(text, k)));
  if (keep < 0) throw new Error(`the sentiment prompt alone exceeds ${model.maxPositions} positions`);
  return encode(headOf(text, keep));
}

export async function zeroShotSentiment(
  model: LoadedCausalLM,
  texts: readonly string[],
  prompts: AppPrompts,
  signal?: AbortSignal,
): Promise<Classification[]> {
  const candidates = labelTokens(model);
  return Promise.all(
    texts.map(async (text) => {
      const promptIds = fittedPrompt(model, text, prompts);
      const logits = await model.nextTokenLogits(promptIds, signal);
      const chosen = candidates.map((id) => logits[id]!);
      const max = Math.max(...chosen);
      const exp = chosen.map((l) => Math.exp(l - max));
      const total = exp.reduce((a, b) => a + b, 0);
      const scores = ZERO_SHOT_LABELS.map((label, i) => ({ label, score: exp[i]! / total })).sort(
        (a, b) => b.score - a.score,
      );
      return { label: scores[0]!.label, score: scores[0]!.score, scores, logits: chosen, tokens: promptIds.length };
    }),
  );
}
