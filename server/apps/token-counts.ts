// A request's token counts, each conversation encoded once. Fitting a prompt asks the model's
// token count of the same messages several times (the message alone, the whole conversation,
// the answer's room); this remembers each answer for the request it was made for (decision 034).
import type { ModelMessage } from "ai";
import type { PromptModel } from "./budget";

/** The messages as the count reads them: roles and text, in order (an unambiguous key). */
const keyOf = (messages: readonly ModelMessage[]) => JSON.stringify(messages.map((m) => [m.role, String(m.content)]));

/**
 * `model` with `countTokens` remembered per distinct list of messages. Make one per request: the
 * memo lives as long as the object, and a conversation's text is its key.
 */
export function countingOnce<M extends PromptModel>(model: M): M {
  const counts = new Map<string, number>();
  const countTokens = (messages: readonly ModelMessage[]) => {
    const key = keyOf(messages);
    let tokens = counts.get(key);
    if (tokens === undefined) {
      tokens = model.countTokens(messages);
      counts.set(key, tokens);
    }
    return tokens;
  };
  return { ...model, countTokens };
}
