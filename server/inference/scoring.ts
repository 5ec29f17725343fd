// Scoring instead of generating: the logits of the next token (one prefill through the batching
// queue, for zero-shot label words) and teacher-forced log-probabilities (outside the queue, for
// perplexity). See LoadedCausalLM for what each promises.

import type { DecoderRunner } from "./decoder-runner";
import { InvalidRequestError } from "./errors";
import type { PromptEncoder } from "./prompt-encoder";
import type { Scheduler } from "./scheduler";

export function nextTokenLogits(
  scheduler: Scheduler,
  promptIds: readonly number[],
  signal?: AbortSignal,
): Promise<Float32Array> {
  return new Promise<Float32Array>((resolve, reject) => {
    let captured: Float32Array | undefined;
    scheduler.submit({
      promptIds: promptIds.slice(),
      signal,
      next: (logits) => {
        captured = new Float32Array(logits); // the row is a view into the step's output
        return { token: 0, finish: "length" };
      },
      end: ({ error }) => (error ? reject(error) : resolve(captured!)),
    });
  });
}

export async function tokenLogProbs(
  runner: DecoderRunner,
  encodePrompt: PromptEncoder,
  maxPositions: number,
  promptIds: readonly number[],
  continuationIds: readonly number[],
): Promise<number[]> {
  const ids = [...promptIds, ...continuationIds];
  encodePrompt({ promptIds: ids }); // validates the ids
  if (promptIds.length === 0 || continuationIds.length === 0)
    throw new InvalidRequestError("tokenLogProbs needs a prompt and a continuation");
  if (ids.length > maxPositions)
    throw new InvalidRequestError(`${ids.length} tokens exceed the model's ${maxPositions} positions`);
  return runner.tokenLogProbs(ids, promptIds.length);
}
