// The response bodies of the OpenAI-compatible API: chat completions and (raw) completions, whole
// or as stream chunks, in the shapes OpenAI's reference documents and its clients parse.
import type { FinishReason, TokenUsage } from "./generation";

export type Endpoint = "chat" | "completion";

interface Head {
  runId: string;
  modelId: string;
  created: number;
}

const idOf = (endpoint: Endpoint, runId: string) => `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${runId}`;

export function wholeResponse(
  endpoint: Endpoint,
  head: Head,
  text: string,
  finishReason: FinishReason,
  usage: TokenUsage,
) {
  const common = { id: idOf(endpoint, head.runId), created: head.created, model: head.modelId };
  if (endpoint === "chat")
    return {
      ...common,
      object: "chat.completion",
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    };
  return {
    ...common,
    object: "text_completion",
    system_fingerprint: null,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/** Builds the chunks of one stream; `includeUsage` adds `usage: null` to each and a last usage chunk. */
export function streamChunks(endpoint: Endpoint, head: Head, includeUsage: boolean) {
  const common = {
    id: idOf(endpoint, head.runId),
    object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion",
    created: head.created,
    model: head.modelId,
    system_fingerprint: null,
  };
  const usageField = includeUsage ? { usage: null } : {};
  const choice = (text: string | undefined, finishReason: FinishReason | null, first = false) =>
    endpoint === "chat"
      ? {
          index: 0,
          delta: text === undefined ? {} : first ? { role: "assistant", content: text } : { content: text },
          logprobs: null,
          finish_reason: finishReason,
        }
      : { index: 0, text: text ?? "", logprobs: null, finish_reason: finishReason };
  let sentFirst = false;
  return {
    text(text: string) {
      const first = !sentFirst;
      sentFirst = true;
      return { ...common, choices: [choice(text, null, first)], ...usageField };
    },
    finish(finishReason: FinishReason) {
      return { ...common, choices: [choice(undefined, finishReason)], ...usageField };
    },
    /** Sent only with include_usage: no choices, the run's token counts. */
    usage(usage: TokenUsage) {
      return { ...common, choices: [], usage };
    },
  };
}
