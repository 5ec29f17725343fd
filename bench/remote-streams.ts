// The load both ends of `npm run bench:remote` put on a model: `concurrency` streams at once of
// one prompt, greedy, through the AI SDK's streamText (as the web apps and the remote engines'
// client call a model). bench/remote.ts runs it against the /v1 client; bench/remote-server.ts
// runs it against the server's own in-process model, so both sides use the very same engine.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { streamText } from "ai";

const PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle.";

export interface StreamStats {
  ttftMs: number;
  tokens: number;
  /** After the first token: what streaming costs, apart from the request's own setup. */
  decodeTokensPerSecond: number;
}

export interface RoundResult {
  streams: StreamStats[];
  wallS: number;
}

export async function oneStream(model: LanguageModelV3, maxTokens: number): Promise<StreamStats> {
  const started = performance.now();
  let ttftMs: number | undefined;
  const result = streamText({
    model,
    messages: [{ role: "user", content: PROMPT }],
    maxOutputTokens: maxTokens,
    temperature: 0,
    maxRetries: 0,
    onError: () => {},
  });
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") ttftMs ??= performance.now() - started;
    else if (part.type === "error") throw part.error;
  }
  const tokens = (await result.usage).outputTokens ?? 0;
  const totalMs = performance.now() - started;
  const first = ttftMs ?? totalMs;
  return {
    ttftMs: first,
    tokens,
    decodeTokensPerSecond: totalMs > first ? ((tokens - 1) * 1000) / (totalMs - first) : 0,
  };
}

export async function round(model: LanguageModelV3, concurrency: number, maxTokens: number): Promise<RoundResult> {
  const started = performance.now();
  const streams = await Promise.all(Array.from({ length: concurrency }, () => oneStream(model, maxTokens)));
  return { streams, wallS: (performance.now() - started) / 1000 };
}
