// A request's token counts, each conversation encoded once. Fitting a prompt asks the model's
// token count of the same messages several times (the message alone, the whole conversation,
// the answer's room); this remembers each answer for the request it was made for (decision 034).
import type { ModelMessage } from "ai";
import type { PromptModel } from "./budget";

/** The messages as the count reads them: roles and text, in order (an unambiguous key). */
const keyOf = (messages: readonly ModelMessage[]) => JSON.stringify(messages.map((m) => [m.role, String(m.content)]));

/** A model that counts, and may give the ids it counted (a local one: ModelDescription). */
type CountingModel = PromptModel & { promptIds?(messages: readonly ModelMessage[]): number[] };

/**
 * `model` with `countTokens` (and `promptIds`) remembered per distinct list of messages. Make one
 * per request: the memo lives as long as the object, and a conversation's text is its key.
 */
export function countingOnce<M extends CountingModel>(model: M): M {
  const counts = new Map<string, number>();
  const ids = new Map<string, number[]>();
  const encode = model.promptIds?.bind(model);
  const countTokens = (messages: readonly ModelMessage[]) => {
    const key = keyOf(messages);
    let tokens = counts.get(key);
    if (tokens === undefined) {
      if (encode) {
        const encoded = encode(messages);
        ids.set(key, encoded);
        tokens = encoded.length;
      } else tokens = model.countTokens(messages);
      counts.set(key, tokens);
    }
    return tokens;
  };
  if (!encode) return { ...model, countTokens };
  const promptIds = (messages: readonly ModelMessage[]) => {
    const key = keyOf(messages);
    const known = ids.get(key);
    if (known) return known;
    countTokens(messages);
    return ids.get(key)!;
  };
  return { ...model, countTokens, promptIds };
}
