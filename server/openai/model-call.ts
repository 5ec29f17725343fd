// How /v1 calls a model: at the AI SDK's provider level (LanguageModelV3.doStream), the interface
// both the local engine's provider and the remote engines' client implement, not through
// streamText. The API's requests are already validated and flattened to text messages
// (requests.ts), so streamText's prompt standardisation, call-setting checks, tools, steps and
// retries have nothing to do here, while its pipeline of web streams ran for every token: without
// it the /v1 server's event loop does ~0.2 ms less work per token (decision 039).
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
} from "@ai-sdk/provider";

export interface ApiMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The messages as the provider interface takes them (what streamText would have built). */
export function promptOf(messages: ApiMessage[]): LanguageModelV3Prompt {
  return messages.map((m) =>
    m.role === "system"
      ? { role: "system", content: m.content }
      : { role: m.role, content: [{ type: "text", text: m.content }] },
  );
}

/**
 * The model's stream parts, read one by one. Stopping early (a `return` from the consumer)
 * cancels the stream, which ends the generation.
 */
export async function* streamParts(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
): AsyncGenerator<LanguageModelV3StreamPart> {
  const { stream } = await model.doStream(options);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
