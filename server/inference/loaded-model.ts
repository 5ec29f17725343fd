// What a model load hands back: a causal LM that streams text or a classifier that labels texts,
// both built on the fields every loaded model shares. Types only; engine.ts builds them.

import type { ChatMessage, ChatTemplate } from "./chat-template";
import type { Classification } from "./classifier";
import type { LoadedExtractiveSummarizer } from "./extractive";
import type { ModelFolder, ModelKind } from "./model-folder";
import type { SamplingOptions } from "./sampler";
import type { SchedulerStats } from "./scheduler";
import type { Device } from "./session";
import type { FinishReason } from "./stopping";
import type { LoomTokenizer } from "./tokenizer";

/**
 * One generation. The sampling fields are the sampler's own (`SamplingOptions`); left unset, each
 * takes generation_config.json's choice (greedy unless do_sample), so `doSample` is not asked for.
 */
export interface GenerateRequest extends Omit<SamplingOptions, "doSample"> {
  /** Chat messages, rendered with the model's chat template (or joined, for a base model). */
  messages?: ChatMessage[];
  /** Raw text to continue (untrusted: special-token text stays text). */
  prompt?: string;
  /** Token ids to continue, as they are. */
  promptIds?: number[];
  /** For `prompt`: add the tokenizer's BOS/… (default true). */
  addSpecialTokens?: boolean;
  maxNewTokens?: number;
  stopSequences?: string[];
  /** Keep going past end-of-sequence tokens (benchmarks that need an exact length). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called once when the request leaves the queue and its prefill begins. */
  onStart?: () => void;
  /**
   * Who the request is for (the app): waiting requests are admitted so that each group holds a
   * fair share of the decode slots (scheduler.ts). Requests without one form one group.
   */
  queueGroup?: string;
}

export interface GenerationTimings {
  /** Time spent waiting for a slot. */
  queuedMs: number;
  /** From the call to the first generated token. */
  timeToFirstTokenMs: number;
  totalMs: number;
  /** Output tokens after the first, per second of decoding. */
  decodeTokensPerSecond: number;
}

export type GenerationEvent =
  | { type: "delta"; text: string }
  | {
      type: "finish";
      finishReason: Extract<FinishReason, "eos" | "stop-sequence" | "length">;
      /** All text streamed (the concatenation of the deltas). */
      text: string;
      promptTokens: number;
      /** Tokens the model produced, the final end-of-sequence token included. */
      outputTokens: number;
      tokenIds: number[];
      timings: GenerationTimings;
    };

/** What every loaded model has, whatever its kind. */
export interface LoadedModelBase {
  readonly kind: ModelKind;
  /** Name used in logs, errors and the provider's modelId. */
  readonly id: string;
  readonly dir: string;
  readonly device: Device;
  /** Why the requested accelerator was not used (one clause per device tried). */
  readonly fallbackReason?: string;
  readonly folder: ModelFolder;
  readonly tokenizer: LoomTokenizer;
  /** Releases the onnxruntime session; later requests fail (a causal LM's queued and running ones too). */
  dispose(): Promise<void>;
}

export interface LoadedCausalLM extends LoadedModelBase {
  readonly kind: "causal-lm";
  readonly chatTemplate?: ChatTemplate;
  readonly maxPositions: number;
  /** The prompt's token ids for a request, as `generate` would feed them. */
  encodePrompt(request: GenerateRequest): number[];
  /**
   * Start a generation. Throws at once BusyError (queue full), InvalidRequestError (bad request);
   * the iterable yields text deltas then one finish event, or throws RequestAbortedError /
   * RequestTimeoutError. Leaving the loop early aborts the generation.
   */
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
  /**
   * The model's logits for the token after `promptIds` (one prefill through the same queue as
   * generations, so BusyError, aborts and timeouts apply). For zero-shot scoring of label words.
   */
  nextTokenLogits(promptIds: readonly number[], signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Teacher forcing, for evaluation (perplexity): the log-probability of each token of
   * `continuationIds` after `promptIds` and the continuation tokens before it. Runs outside the
   * batching queue (one pass, nothing cached), so keep it off a serving instance's hot path.
   */
  tokenLogProbs(promptIds: readonly number[], continuationIds: readonly number[]): Promise<number[]>;
  stats(): SchedulerStats;
}

/**
 * An encoder-decoder (Marian, BART, T5: seq2seq.ts). Its `generate` streams as a causal LM's does,
 * so the AI SDK provider serves both; `maxPositions` bounds the encoder's input only (the output
 * has its own room), and prompts are plain text: no chat template.
 */
export interface LoadedSeq2Seq extends LoadedModelBase {
  readonly kind: "seq2seq";
  readonly chatTemplate?: undefined;
  readonly maxPositions: number;
  /** The encoder's input ids (`generate` refuses more than maxPositions: InvalidRequestError 413). */
  encodePrompt(request: GenerateRequest): number[];
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
  stats(): SchedulerStats;
}

/** A model that streams text: what the AI SDK provider and the text apps take. */
export type LoadedGenerator = LoadedCausalLM | LoadedSeq2Seq;

export interface LoadedClassifier extends LoadedModelBase {
  readonly kind: "classifier";
  readonly labels: readonly string[];
  classify(texts: readonly string[]): Promise<Classification[]>;
}

export type LoadedModel = LoadedCausalLM | LoadedSeq2Seq | LoadedClassifier | LoadedExtractiveSummarizer;
