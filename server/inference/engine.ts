// Loads a model folder into a ready-to-use model: a causal LM that streams text (through the
// scheduler, shared by all requests to that model) or a classifier that labels texts.

import { AsyncChannel } from "./async-channel.ts";
import { ChatTemplate, pickChatTemplate, plainPromptParts, type ChatMessage } from "./chat-template.ts";
import { ClassifierRunner, type Classification } from "./classifier.ts";
import { DecoderRunner } from "./decoder-runner.ts";
import { PackedKv } from "./kv-cache.ts";
import { IncrementalDetokenizer } from "./detokenizer.ts";
import { InvalidRequestError } from "./errors.ts";
import { checkClassifierGraph, checkDecoderGraph, readModelFolder, type ModelFolder } from "./model-folder.ts";
import { Sampler, type SamplingOptions } from "./sampler.ts";
import { Scheduler, type SchedulerOptions, type SchedulerStats, type SequenceJob } from "./scheduler.ts";
import {
  createSession,
  sessionSettingsFromEnv,
  type Device,
  type EnvVars,
  type Logger,
  type SessionSettings,
} from "./session.ts";
import { StopSequenceFilter, type FinishReason } from "./stopping.ts";
import { LoomTokenizer } from "./tokenizer.ts";
import { ModelFolderError } from "./errors.ts";
import path from "node:path";

export interface LoadModelOptions {
  /** Name used in logs, errors and the provider's modelId (default: the folder's name). */
  id?: string;
  /** Device and threads; defaults come from LOOM_* environment variables. */
  session?: Partial<SessionSettings>;
  /** Batching and queue limits; defaults come from LOOM_* environment variables. */
  scheduler?: Partial<Omit<SchedulerOptions, "maxPositions">>;
  /** Default cap on new tokens when neither the request nor generation_config sets one. */
  defaultMaxNewTokens?: number;
  logger?: Logger;
  env?: EnvVars;
}

export interface GenerateRequest {
  /** Chat messages, rendered with the model's chat template (or joined, for a base model). */
  messages?: ChatMessage[];
  /** Raw text to continue (untrusted: special-token text stays text). */
  prompt?: string;
  /** Token ids to continue, as they are. */
  promptIds?: number[];
  /** For `prompt`: add the tokenizer's BOS/… (default true). */
  addSpecialTokens?: boolean;
  maxNewTokens?: number;
  /** 0 = greedy. Unset: generation_config.json's choice (greedy unless do_sample). */
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  stopSequences?: string[];
  /** Keep going past end-of-sequence tokens (benchmarks that need an exact length). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
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

export interface LoadedCausalLM {
  readonly kind: "causal-lm";
  readonly id: string;
  readonly dir: string;
  readonly device: Device;
  /** Why CUDA was not used when it was asked for. */
  readonly fallbackReason?: string;
  readonly folder: ModelFolder;
  readonly tokenizer: LoomTokenizer;
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
  dispose(): Promise<void>;
}

export interface LoadedClassifier {
  readonly kind: "classifier";
  readonly id: string;
  readonly dir: string;
  readonly device: Device;
  readonly fallbackReason?: string;
  readonly folder: ModelFolder;
  readonly tokenizer: LoomTokenizer;
  readonly labels: readonly string[];
  classify(texts: readonly string[]): Promise<Classification[]>;
  dispose(): Promise<void>;
}

export type LoadedModel = LoadedCausalLM | LoadedClassifier;

function intEnv(env: EnvVars, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** LOOM_MAX_CONCURRENT, LOOM_MAX_WAITING, LOOM_REQUEST_TIMEOUT_MS, LOOM_PREFILL_TOKENS_PER_STEP. */
export function schedulerOptionsFromEnv(env: EnvVars = process.env): Omit<SchedulerOptions, "maxPositions"> {
  return {
    maxConcurrent: Math.max(1, intEnv(env, "LOOM_MAX_CONCURRENT", 16)),
    maxWaiting: intEnv(env, "LOOM_MAX_WAITING", 64),
    requestTimeoutMs: intEnv(env, "LOOM_REQUEST_TIMEOUT_MS", 300_000),
    prefillTokensPerStep: Math.max(1, intEnv(env, "LOOM_PREFILL_TOKENS_PER_STEP", 1024)),
  };
}

/** Load any supported model folder; check `.kind` for what came back. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const folder = await readModelFolder(dir);
  return folder.kind === "classifier" ? loadClassifierFolder(folder, options) : loadCausalLMFolder(folder, options);
}

export async function loadCausalLM(dir: string, options: LoadModelOptions = {}): Promise<LoadedCausalLM> {
  const folder = await readModelFolder(dir);
  if (folder.kind !== "causal-lm")
    throw new ModelFolderError(folder.dir, "config.json", `is a ${folder.kind}, not a causal LM`, "architectures");
  return loadCausalLMFolder(folder, options);
}

export async function loadClassifier(dir: string, options: LoadModelOptions = {}): Promise<LoadedClassifier> {
  const folder = await readModelFolder(dir);
  if (folder.kind !== "classifier")
    throw new ModelFolderError(folder.dir, "config.json", `is a ${folder.kind}, not a classifier`, "architectures");
  return loadClassifierFolder(folder, options);
}

/** Undefined when a device-resident KV cache works end to end, else what went wrong. */
async function probeDeviceKv(runner: DecoderRunner): Promise<string | undefined> {
  try {
    const first = await runner.prefill(0, [0, 0]);
    const second = await runner.prefill(1, [0]);
    const joined = await PackedKv.merge(runner.layout, [{ kv: first.kv }, { kv: second.kv }]);
    const step = await runner.decode(joined!, [0, 0]);
    const left = await step.kv.without(new Set([1]));
    const again = await runner.decode(left!, [0]);
    again.kv.dispose();
    first.kv.dispose();
    second.kv.dispose();
    return undefined;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

function makeTokenizer(folder: ModelFolder): LoomTokenizer {
  try {
    return new LoomTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  } catch (e) {
    throw new ModelFolderError(folder.dir, "tokenizer.json", `cannot be loaded (${(e as Error).message})`);
  }
}

async function openSession(folder: ModelFolder, options: LoadModelOptions, kvOutputNames: string[]) {
  const settings = { ...sessionSettingsFromEnv(options.env), ...options.session };
  try {
    return await createSession(folder.onnxPath, settings, { kvOutputNames, logger: options.logger });
  } catch (e) {
    throw new ModelFolderError(
      folder.dir,
      folder.onnxFile,
      `cannot be loaded by onnxruntime (${(e as Error).message.split("\n")[0]})`,
    );
  }
}

async function loadCausalLMFolder(folder: ModelFolder, options: LoadModelOptions): Promise<LoadedCausalLM> {
  const shape = folder.decoder!;
  const id = options.id ?? path.basename(folder.dir);
  const tokenizer = makeTokenizer(folder);
  const templateSource = pickChatTemplate(folder.tokenizerConfig.chat_template);
  let chatTemplate: ChatTemplate | undefined;
  try {
    chatTemplate = templateSource ? new ChatTemplate(templateSource) : undefined;
  } catch (e) {
    throw new ModelFolderError(
      folder.dir,
      "tokenizer_config.json",
      `chat_template does not parse (${(e as Error).message})`,
      "chat_template",
    );
  }
  const presentNames = Array.from({ length: shape.numLayers }, (_, i) => [
    `present.${i}.key`,
    `present.${i}.value`,
  ]).flat();
  let created = await openSession(folder, options, presentNames);
  let graph;
  try {
    graph = checkDecoderGraph(folder, created.session);
  } catch (e) {
    await created.session.release();
    throw e;
  }
  const layout = {
    numLayers: shape.numLayers,
    numKvHeads: shape.numKvHeads,
    headDim: shape.headDim,
    dtype: graph.kvType,
  };
  const env = options.env ?? process.env;
  const prefillChunk = Math.max(1, intEnv(env, "LOOM_PREFILL_CHUNK", 256));
  let runner = new DecoderRunner(created.session, layout, graph, shape.vocabSize, prefillChunk);
  if (created.kvOnDevice) {
    // Device-resident present.* must also be accepted back as past_key_values.* and be
    // downloadable for repacking; check both once, else keep the cache in host memory.
    const problem = await probeDeviceKv(runner);
    if (problem) {
      (options.logger ?? console).warn(`loom: ${id}: KV cache kept in host memory (${problem})`);
      await created.session.release();
      created = await openSession(
        folder,
        { ...options, session: { ...options.session, kvOnDevice: false } },
        presentNames,
      );
      runner = new DecoderRunner(created.session, layout, graph, shape.vocabSize, prefillChunk);
    }
  }
  const schedulerOptions: SchedulerOptions = {
    ...schedulerOptionsFromEnv(options.env),
    ...options.scheduler,
    maxPositions: shape.maxPositions,
  };
  if (!graph.hasPositionIds && schedulerOptions.maxConcurrent > 1) {
    // Without position_ids, left padding would shift every padded row's positions.
    (options.logger ?? console).warn(`loom: ${id} has no position_ids input; decoding one sequence at a time`);
    schedulerOptions.maxConcurrent = 1;
  }
  const scheduler = new Scheduler(runner, schedulerOptions, id);
  const eosIds = new Set(folder.generation.eosTokenIds);
  if (eosIds.size === 0 && tokenizer.eosTokenId !== undefined) eosIds.add(tokenizer.eosTokenId);
  const defaultMaxNewTokens = options.defaultMaxNewTokens ?? intEnv(env, "LOOM_MAX_NEW_TOKENS", 512);

  const encodePrompt = (request: GenerateRequest): number[] => {
    const given = [request.messages, request.prompt, request.promptIds].filter((x) => x !== undefined).length;
    if (given !== 1) throw new InvalidRequestError("give exactly one of messages, prompt or promptIds");
    if (request.promptIds) {
      for (const t of request.promptIds)
        if (!Number.isInteger(t) || t < 0 || t >= shape.vocabSize)
          throw new InvalidRequestError(`token id ${t} is outside the vocabulary (0..${shape.vocabSize - 1})`);
      return request.promptIds.slice();
    }
    if (request.prompt !== undefined)
      return tokenizer.encodeUntrusted(request.prompt, { addSpecialTokens: request.addSpecialTokens ?? true });
    const messages = request.messages!;
    if (!chatTemplate) return tokenizer.encodeParts(plainPromptParts(messages), { addSpecialTokens: true });
    let parts;
    try {
      parts = chatTemplate.renderParts(messages, {
        addGenerationPrompt: true,
        bosToken: tokenizer.bosToken,
        eosToken: tokenizer.eosToken,
      });
    } catch (e) {
      // Templates reject some conversations themselves (roles out of order, a system message
      // they do not take): that is the request's fault, not the server's.
      throw new InvalidRequestError(`the model's chat template refused these messages: ${(e as Error).message}`);
    }
    // As transformers' apply_chat_template: the template places BOS itself when it wants one.
    return tokenizer.encodeParts(parts, { addSpecialTokens: false });
  };

  const generate = (request: GenerateRequest): AsyncIterable<GenerationEvent> => {
    const calledAt = performance.now();
    const promptIds = encodePrompt(request);
    const gen = folder.generation;
    const sampling: SamplingOptions = {
      doSample: request.temperature !== undefined ? request.temperature > 0 : (gen.doSample ?? false),
      temperature: request.temperature ?? gen.temperature ?? 1,
      topK: request.topK ?? gen.topK,
      topP: request.topP ?? gen.topP,
      repetitionPenalty: request.repetitionPenalty ?? gen.repetitionPenalty,
      frequencyPenalty: request.frequencyPenalty,
      presencePenalty: request.presencePenalty,
      seed: request.seed,
    };
    const maxNewTokens = request.maxNewTokens ?? gen.maxNewTokens ?? defaultMaxNewTokens;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1)
      throw new InvalidRequestError(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
    const sampler = new Sampler(sampling, promptIds);
    const detokenizer = new IncrementalDetokenizer(tokenizer);
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
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      started: () => {
        startedAt = performance.now();
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
        const now = performance.now();
        const first = firstTokenAt ?? now;
        channel.push({
          type: "finish",
          finishReason,
          text,
          promptTokens: promptIds.length,
          outputTokens: outputIds.length,
          tokenIds: outputIds.slice(),
          timings: {
            queuedMs: startedAt - calledAt,
            timeToFirstTokenMs: first - calledAt,
            totalMs: now - calledAt,
            decodeTokensPerSecond:
              outputIds.length > 1 && now > first ? ((outputIds.length - 1) * 1000) / (now - first) : 0,
          },
        });
        channel.close();
      },
    };
    scheduler.submit(job);
    return channel;
  };

  const nextTokenLogits = (promptIds: readonly number[], signal?: AbortSignal): Promise<Float32Array> =>
    new Promise<Float32Array>((resolve, reject) => {
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

  const tokenLogProbs = async (promptIds: readonly number[], continuationIds: readonly number[]) => {
    const ids = [...promptIds, ...continuationIds];
    encodePrompt({ promptIds: ids }); // validates the ids
    if (promptIds.length === 0 || continuationIds.length === 0)
      throw new InvalidRequestError("tokenLogProbs needs a prompt and a continuation");
    if (ids.length > shape.maxPositions)
      throw new InvalidRequestError(`${ids.length} tokens exceed the model's ${shape.maxPositions} positions`);
    return runner.tokenLogProbs(ids, promptIds.length);
  };

  return {
    kind: "causal-lm",
    id,
    dir: folder.dir,
    device: created.device,
    fallbackReason: created.fallbackReason,
    folder,
    tokenizer,
    chatTemplate,
    maxPositions: shape.maxPositions,
    encodePrompt,
    generate,
    nextTokenLogits,
    tokenLogProbs,
    stats: () => scheduler.stats(),
    dispose: async () => {
      await scheduler.dispose();
      await created.session.release();
    },
  };
}

async function loadClassifierFolder(folder: ModelFolder, options: LoadModelOptions): Promise<LoadedClassifier> {
  const id = options.id ?? path.basename(folder.dir);
  const tokenizer = makeTokenizer(folder);
  const created = await openSession(folder, options, []);
  let graph;
  try {
    graph = checkClassifierGraph(folder, created.session);
  } catch (e) {
    await created.session.release();
    throw e;
  }
  const config = folder.config as { max_position_embeddings?: number };
  const modelMax = folder.tokenizerConfig.model_max_length;
  const maxTokens = Math.min(
    config.max_position_embeddings ?? 512,
    typeof modelMax === "number" && modelMax > 0 ? modelMax : Infinity,
  );
  const padTokenId = folder.generation.padTokenId ?? tokenizer.padTokenId ?? 0;
  const runner = new ClassifierRunner(created.session, graph, tokenizer, folder.labels!, maxTokens, padTokenId);
  let disposed = false;
  return {
    kind: "classifier",
    id,
    dir: folder.dir,
    device: created.device,
    fallbackReason: created.fallbackReason,
    folder,
    tokenizer,
    labels: folder.labels!,
    classify: (texts) => {
      if (disposed) return Promise.reject(new Error(`model ${id} was unloaded`));
      return runner.classify(texts);
    },
    dispose: async () => {
      disposed = true;
      await created.session.release();
    },
  };
}
