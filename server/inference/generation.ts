// One generation request as a scheduler job: the step function that samples each token, streams
// the text it completes (held back while it might still become a stop sequence), decides when the
// sequence ends, and closes with one finish event carrying usage and timings.

import { AsyncChannel } from "./async-channel";
import { IncrementalDetokenizer } from "./detokenizer";
import { InvalidRequestError } from "./errors";
import type { GenerateRequest, GenerationEvent, GenerationTimings } from "./loaded-model";
import type { ModelFolder } from "./model-folder";
import type { PromptEncoder } from "./prompt-encoder";
import { Sampler, type SamplingOptions } from "./sampler";
import type { Scheduler, SequenceJob } from "./scheduler";
import { StopSequenceFilter } from "./stopping";
import type { LoomTokenizer } from "./tokenizer";

/** What every generation of one model shares. */
export interface GenerationContext {
  folder: ModelFolder;
  tokenizer: LoomTokenizer;
  encodePrompt: PromptEncoder;
  scheduler: Scheduler;
  eosIds: ReadonlySet<number>;
  defaultMaxNewTokens: number;
}

/** generation_config.json's end-of-sequence ids, else the tokenizer's. */
export function eosTokenIds(folder: ModelFolder, tokenizer: LoomTokenizer): Set<number> {
  const ids = new Set(folder.generation.eosTokenIds);
  if (ids.size === 0 && tokenizer.eosTokenId !== undefined) ids.add(tokenizer.eosTokenId);
  return ids;
}

/** The request's options over generation_config.json's, over greedy. */
export function samplingOf(request: GenerateRequest, folder: ModelFolder): SamplingOptions {
  const gen = folder.generation;
  return {
    doSample: request.temperature !== undefined ? request.temperature > 0 : (gen.doSample ?? false),
    temperature: request.temperature ?? gen.temperature ?? 1,
    topK: request.topK ?? gen.topK,
    topP: request.topP ?? gen.topP,
    repetitionPenalty: request.repetitionPenalty ?? gen.repetitionPenalty,
    frequencyPenalty: request.frequencyPenalty,
    presencePenalty: request.presencePenalty,
    seed: request.seed,
  };
}

/** The request's cap on new tokens over generation_config.json's over the engine's; InvalidRequestError when bad. */
export function maxNewTokensOf(request: GenerateRequest, folder: ModelFolder, engineDefault: number): number {
  const maxNewTokens = request.maxNewTokens ?? folder.generation.maxNewTokens ?? engineDefault;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1)
    throw new InvalidRequestError(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  return maxNewTokens;
}

/** Submits the job (so BusyError and InvalidRequestError throw here, at once); returns its events. */
export function startGeneration(model: GenerationContext, request: GenerateRequest): AsyncIterable<GenerationEvent> {
  const calledAt = performance.now();
  const promptIds = model.encodePrompt(request);
  const { scheduler, eosIds } = model;
  const maxNewTokens = maxNewTokensOf(request, model.folder, model.defaultMaxNewTokens);
  const sampler = new Sampler(samplingOf(request, model.folder), promptIds);
  const detokenizer = new IncrementalDetokenizer(model.tokenizer);
  const stops = new StopSequenceFilter(request.stopSequences);
  const outputIds: number[] = [];
  let text = "";
  let startedAt = calledAt;
  let firstTokenAt: number | undefined;

  // The channel's cancel (consumer left the loop) aborts the job.
  const channel: AsyncChannel<GenerationEvent> = new AsyncChannel(() => scheduler.abort(job));
  const emit = (delta: string) => {
    if (delta.length === 0) return;
    text += delta;
    channel.push({ type: "delta", text: delta });
  };

  const job: SequenceJob = {
    promptIds,
    group: request.queueGroup,
    signal: request.signal,
    timeoutMs: request.timeoutMs,
    started: () => {
      startedAt = performance.now();
      request.onStart?.();
    },
    next: (logits) => {
      const token = sampler.sample(logits);
      sampler.accept(token);
      outputIds.push(token);
      firstTokenAt ??= performance.now();
      if (!request.ignoreEos && eosIds.has(token)) return { token, finish: "eos" };
      const shown = stops.push(detokenizer.push(token));
      emit(shown.text);
      if (shown.stopped) return { token, finish: "stop-sequence" };
      if (outputIds.length >= maxNewTokens) return { token, finish: "length" };
      return { token };
    },
    end: ({ reason, error }) => {
      if (error) {
        channel.fail(error);
        return;
      }
      let finishReason = reason as "eos" | "stop-sequence" | "length";
      if (finishReason !== "stop-sequence") {
        // Release what the detokenizer and the stop filter still hold.
        const tail = stops.push(detokenizer.finish());
        emit(tail.text);
        if (tail.stopped) finishReason = "stop-sequence";
        else emit(stops.flush());
      }
      channel.push({
        type: "finish",
        finishReason,
        text,
        promptTokens: promptIds.length,
        outputTokens: outputIds.length,
        tokenIds: outputIds.slice(),
        timings: timingsOf(calledAt, startedAt, firstTokenAt, outputIds.length),
      });
      channel.close();
    },
  };
  scheduler.submit(job);
  return channel;
}

function timingsOf(
  calledAt: number,
  startedAt: number,
  firstTokenAt: number | undefined,
  outputTokens: number,
): GenerationTimings {
  const now = performance.now();
  const first = firstTokenAt ?? now;
  return {
    queuedMs: startedAt - calledAt,
    timeToFirstTokenMs: first - calledAt,
    totalMs: now - calledAt,
    decodeTokensPerSecond: outputTokens > 1 && now > first ? ((outputTokens - 1) * 1000) / (now - first) : 0,
  };
}
