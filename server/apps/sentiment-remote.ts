// Sentiment with a remote generative model: it has no logits to compare (zero-shot scoring needs
// them), so it is asked for the label in words, one word from a fixed set, at temperature 0, and
// its answer is parsed: anything but exactly one of the labels is refused, never guessed at. The
// label comes without a probability; it is reported as certain (score 1), and the page says how
// it was obtained (method "generated").
import { generateText, type LanguageModel, type ModelMessage } from "ai";
import { HttpError } from "../http-error";
import type { Classification } from "../inference";
import { headOf, largestFitting } from "./budget";
import type { ModelDescription } from "./model-description";
import { fillTemplate } from "./prompts";
import { ZERO_SHOT_LABELS } from "./sentiment-zero-shot";

/** A label answer is one word; a few tokens more allow for a full stop or a capital. */
const ANSWER_TOKENS = 4;
/** Texts sent at once: under the remote's own cap, so a batch is queued here, not refused there. */
const PARALLEL = 4;
const INSTRUCTION = `Answer with exactly one word: ${ZERO_SHOT_LABELS.join(" or ")}.`;

function labelMessages(description: ModelDescription, text: string): ModelMessage[] {
  const { sentiment } = description.prompts;
  return [
    { role: "system", content: sentiment.system ? `${sentiment.system}\n${INSTRUCTION}` : INSTRUCTION },
    { role: "user", content: `${fillTemplate(sentiment.user, { text })}\n${INSTRUCTION}` },
  ];
}

/** The answer's label, or undefined when it is not exactly one of them (a word, maybe a full stop). */
export function parseLabel(answer: string): (typeof ZERO_SHOT_LABELS)[number] | undefined {
  const word = answer
    .trim()
    .toLowerCase()
    .replace(/[.!"'*`]+$/g, "")
    .replace(/^[\s"'*`]+/g, "");
  return ZERO_SHOT_LABELS.find((label) => label === word);
}

/** The messages for a text, cut from its end until they fit the context with the answer's room. */
function fittedMessages(description: ModelDescription, text: string): ModelMessage[] {
  const budget = description.maxPositions - ANSWER_TOKENS;
  const fits = (t: string) => description.countTokens(labelMessages(description, t)) <= budget;
  if (fits(text)) return labelMessages(description, text);
  const keep = largestFitting(0, text.length, (k) => fits(headOf(text, k)));
  if (keep < 0) throw new Error(`the sentiment prompt alone exceeds ${description.maxPositions} tokens`);
  return labelMessages(description, headOf(text, keep));
}

export async function remoteSentiment(
  model: LanguageModel,
  description: ModelDescription,
  texts: readonly string[],
  signal?: AbortSignal,
): Promise<Classification[]> {
  const results: Classification[] = new Array(texts.length);
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      signal?.throwIfAborted();
      const messages = fittedMessages(description, texts[i]!);
      const answer = await generateText({
        model,
        messages,
        allowSystemInMessages: true,
        temperature: 0,
        maxOutputTokens: ANSWER_TOKENS,
        maxRetries: 0,
        abortSignal: signal,
      });
      const label = parseLabel(answer.text);
      if (!label)
        throw new HttpError(
          502,
          "REMOTE_BAD_LABEL",
          `${description.name} answered "${answer.text.slice(0, 40)}" instead of ${ZERO_SHOT_LABELS.join(" or ")}.`,
        );
      const scores = ZERO_SHOT_LABELS.map((l) => ({ label: l, score: l === label ? 1 : 0 })).sort(
        (a, b) => b.score - a.score,
      );
      results[i] = { label, score: 1, scores, logits: [], tokens: answer.usage.inputTokens ?? 0 };
    }
  };
  // One failure ends the batch: the other workers take no further texts.
  const stopOnFailure = () =>
    worker().catch((error: unknown) => {
      next = texts.length;
      throw error;
    });
  await Promise.all(Array.from({ length: Math.min(PARALLEL, texts.length) }, stopOnFailure));
  return results;
}
