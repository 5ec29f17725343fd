// Generating the replies an evaluation scores, through the engine, and the samples the report
// shows beside the scores.
import type { ChatMessage, GenerateRequest, LoadedCausalLM } from "../inference/index";

/** One scored example, as the report shows it. */
export interface Sample {
  input: string;
  reference: string;
  output: string;
}

/** At most `limit` calls of `fn` in flight (the engine batches them), results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The finished text of one generation; the text the app would show. */
export async function replyText(model: LoadedCausalLM, request: GenerateRequest): Promise<string> {
  for await (const event of model.generate(request)) {
    if (event.type === "finish") return event.text;
  }
  throw new Error("the generation ended without a finish event");
}

/** Greedy decoding of a reply to `messages`. */
export function greedyReply(
  model: LoadedCausalLM,
  messages: ChatMessage[],
  maxNewTokens: number,
  stopSequences?: string[],
): Promise<string> {
  return replyText(model, { messages, temperature: 0, maxNewTokens, stopSequences });
}

/** The app modules build AI SDK messages; system and user contents there are plain strings. */
export function asChat(messages: { role: string; content: unknown }[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role as ChatMessage["role"], content: String(m.content) }));
}
