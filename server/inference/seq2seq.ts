// Encoder-decoder models (Marian, BART, T5) as Loom runs them (decision 037): the prompt is encoded
// once, then the merged decoder runs one token at a time, its first step (use_cache_branch false)
// computing the encoder's KV, which later steps are fed back unchanged with the decoder's own KV.
// The stream is the causal LM's: the same GenerateRequest, the same deltas through the same
// detokenizer and stop filter, the same finish event, so the AI SDK provider and the apps need no
// case of their own. One generation runs at a time per model; the rest wait in order. The server
// runs this in the model's worker thread (worker-model.ts, model-worker.ts), as for a causal LM.

import path from "node:path";
import * as ort from "onnxruntime-node";
import { AsyncChannel } from "./async-channel";
import { IncrementalDetokenizer } from "./detokenizer";
import { InvalidRequestError, ModelFolderError, RequestAbortedError, RequestTimeoutError } from "./errors";
import { eosTokenIds, maxNewTokensOf, samplingOf } from "./generation";
import { engineSettings, type LoadModelOptions } from "./load-options";
import type { GenerateRequest, GenerationEvent, LoadedSeq2Seq } from "./loaded-model";
import type { ModelFolder, Seq2SeqShape } from "./model-folder";
import { loadTokenizer } from "./model-session";
import { Sampler } from "./sampler";
import { zeroStats, type SchedulerStats } from "./scheduler";
import { createSession, type CreatedSession, type SessionSettings } from "./session";
import { StopSequenceFilter } from "./stopping";
import type { LoomTokenizer } from "./tokenizer";

/** The encoder's input for a request: no chat template (these models read plain text). */
export function encodeSeq2SeqPrompt(tokenizer: LoomTokenizer, request: GenerateRequest): number[] {
  let ids: number[];
  if (request.promptIds) ids = [...request.promptIds];
  else if (request.prompt !== undefined)
    ids = tokenizer.encodeUntrusted(request.prompt, { addSpecialTokens: request.addSpecialTokens ?? true });
  else if (request.messages && request.messages.length > 0)
    // An app's prompt is one user message (loom-prompts.json for seq2seq: no system line); a
    // system message, if any, is plain text before it, as a base model reads it.
    ids = tokenizer.encodeUntrusted(request.messages.map((m) => m.content).join("\n\n"), { addSpecialTokens: true });
  else throw new InvalidRequestError("a request needs messages, a prompt or promptIds");
  return ids;
}

/** The apps fit their input first (server/apps/budget.ts); this is the engine's own guard. */
export function checkSeq2SeqPromptLength(tokens: number, maxPositions: number): void {
  if (tokens === 0) throw new InvalidRequestError("the prompt is empty");
  if (tokens > maxPositions)
    throw new InvalidRequestError(
      `The input is ${tokens} tokens; this model reads at most ${maxPositions} tokens.`,
      413,
    );
}

const kvNames = (shape: Seq2SeqShape, prefix: string) =>
  Array.from({ length: shape.decoderLayers }, (_, i) =>
    ["decoder", "encoder"].flatMap((side) => ["key", "value"].map((kv) => `${prefix}.${i}.${side}.${kv}`)),
  ).flat();

/** The two sessions and one decoding loop; `decode` yields each step's logits over the vocabulary. */
export class Seq2SeqRunner {
  private readonly pastNames: string[];
  private readonly presentNames: string[];

  constructor(
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
    private readonly shape: Seq2SeqShape,
  ) {
    this.pastNames = kvNames(shape, "past_key_values");
    this.presentNames = kvNames(shape, "present");
  }

  /** last_hidden_state for one sequence, and the mask the decoder's cross-attention reads. */
  async encode(ids: readonly number[]): Promise<{ hidden: ort.Tensor; mask: ort.Tensor }> {
    const inputIds = new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const mask = new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const out = await this.encoder.run({ input_ids: inputIds, attention_mask: mask });
    return { hidden: out.last_hidden_state!, mask };
  }

  /**
   * Decoding steps: call `step(token)` with the previous token (the decoder start first); each
   * returns that step's logits. The first step feeds empty past tensors and use_cache_branch
   * false, as transformers.js does; its present.N.encoder.* are kept for every later step.
   */
  decoding(encoded: { hidden: ort.Tensor; mask: ort.Tensor }): (token: number) => Promise<Float32Array> {
    const { decoderHeads: heads, headDim } = this.shape;
    const empty = new ort.Tensor("float32", new Float32Array(0), [1, heads, 0, headDim]);
    let past: Record<string, ort.Tensor> = Object.fromEntries(this.pastNames.map((n) => [n, empty]));
    let first = true;
    return async (token) => {
      const feeds: Record<string, ort.Tensor> = {
        encoder_attention_mask: encoded.mask,
        input_ids: new ort.Tensor("int64", BigInt64Array.of(BigInt(token)), [1, 1]),
        encoder_hidden_states: encoded.hidden,
        ...past,
        use_cache_branch: new ort.Tensor("bool", Uint8Array.of(first ? 0 : 1), [1]),
      };
      const out = await this.decoder.run(feeds);
      const next: Record<string, ort.Tensor> = {};
      this.presentNames.forEach((name, i) => {
        // After the first step the encoder's KV is what was fed in: keep the first step's copy.
        const pastName = this.pastNames[i]!;
        next[pastName] = !first && name.includes(".encoder.") ? past[pastName]! : out[name]!;
      });
      past = next;
      first = false;
      const logits = out.logits!;
      const vocab = logits.dims[logits.dims.length - 1]!;
      const data = logits.data as Float32Array;
      return data.slice(data.length - vocab);
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

interface Seq2SeqContext {
  id: string;
  folder: ModelFolder;
  shape: Seq2SeqShape;
  tokenizer: LoomTokenizer;
  runner: Seq2SeqRunner;
  eosIds: ReadonlySet<number>;
  defaultMaxNewTokens: number;
  stats: SchedulerStats;
  /** The generation before this one ends (they run one at a time). */
  turn: Promise<void>;
  disposed: boolean;
}

function waitTurn(model: Seq2SeqContext): { ready: Promise<void>; done: () => void } {
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const ready = model.turn;
  model.turn = ready.then(() => mine);
  return { ready, done };
}

async function runGeneration(
  model: Seq2SeqContext,
  request: GenerateRequest,
  promptIds: number[],
  channel: AsyncChannel<GenerationEvent>,
  cancelled: () => boolean,
): Promise<void> {
  const calledAt = performance.now();
  // The decoder has positions too (Marian's and BART's tables): its start token takes the first.
  const maxNewTokens = Math.min(
    maxNewTokensOf(request, model.folder, model.defaultMaxNewTokens),
    model.shape.maxPositions,
  );
  const sampler = new Sampler(samplingOf(request, model.folder), promptIds);
  const detokenizer = new IncrementalDetokenizer(model.tokenizer);
  const stops = new StopSequenceFilter(request.stopSequences);
  const deadline = request.timeoutMs ? calledAt + request.timeoutMs : Infinity;
  const { stats, shape } = model;
  const turn = waitTurn(model);
  stats.waiting++;
  let waiting = true;
  try {
    await turn.ready;
    stats.waiting--;
    waiting = false;
    stats.active++;
    const check = () => {
      if (model.disposed) throw new Error(`model ${model.id} was unloaded`);
      if (request.signal?.aborted || cancelled()) throw new RequestAbortedError(request.signal?.reason);
      if (performance.now() > deadline) throw new RequestTimeoutError(request.timeoutMs!, "generating");
    };
    check();
    const startedAt = performance.now();
    request.onStart?.();
    stats.prefills++;
    stats.promptTokens += promptIds.length;
    const step = model.runner.decoding(await model.runner.encode(promptIds));
    let text = "";
    let firstTokenAt: number | undefined;
    const outputIds: number[] = [];
    const emit = (delta: string) => {
      if (delta.length === 0) return;
      text += delta;
      channel.push({ type: "delta", text: delta });
    };
    let token = shape.decoderStartTokenId;
    let finishReason: "eos" | "stop-sequence" | "length" = "length";
    while (outputIds.length < maxNewTokens) {
      check();
      const logits = await step(token);
      stats.decodeSteps++;
      for (const id of shape.bannedTokenIds) logits[id] = -Infinity;
      // generation_config's forced tokens, as transformers applies them: BOS first, and EOS as the
      // last token the cap allows (the answer is still cut short: it finishes as "length").
      const forcedEos =
        !request.ignoreEos && shape.forcedEosTokenId !== undefined && outputIds.length === maxNewTokens - 1;
      if (forcedEos) finishReason = "length";
      token =
        outputIds.length === 0 && shape.forcedBosTokenId !== undefined
          ? shape.forcedBosTokenId
          : forcedEos
            ? shape.forcedEosTokenId!
            : sampler.sample(logits);
      sampler.accept(token);
      outputIds.push(token);
      stats.generatedTokens++;
      firstTokenAt ??= performance.now();
      if (!request.ignoreEos && model.eosIds.has(token)) {
        if (!forcedEos) finishReason = "eos";
        break;
      }
      // A forced BOS (BART's <s>) is a special token: the detokenizer shows it as nothing.
      const shown = stops.push(detokenizer.push(token));
      emit(shown.text);
      if (shown.stopped) {
        finishReason = "stop-sequence";
        break;
      }
    }
    if (finishReason !== "stop-sequence") {
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
      tokenIds: outputIds,
      timings: {
        queuedMs: startedAt - calledAt,
        timeToFirstTokenMs: first - calledAt,
        totalMs: now - calledAt,
        decodeTokensPerSecond:
          outputIds.length > 1 && now > first ? ((outputIds.length - 1) * 1000) / (now - first) : 0,
      },
    });
    stats.completed++;
    channel.close();
  } catch (e) {
    if (e instanceof RequestAbortedError) stats.aborted++;
    else if (e instanceof RequestTimeoutError) stats.timedOut++;
    else stats.failed++;
    channel.fail(e);
  } finally {
    if (waiting) stats.waiting--;
    else stats.active--;
    turn.done();
  }
}

export function startSeq2SeqGeneration(
  model: Seq2SeqContext,
  request: GenerateRequest,
): AsyncIterable<GenerationEvent> {
  if (model.disposed) throw new Error(`model ${model.id} was unloaded`);
  // Encoded here so a prompt that is too long throws at once, before the stream begins.
  const promptIds = encodeSeq2SeqPrompt(model.tokenizer, request);
  checkSeq2SeqPromptLength(promptIds.length, model.shape.maxPositions);
  maxNewTokensOf(request, model.folder, model.defaultMaxNewTokens);
  let cancelled = false;
  const channel = new AsyncChannel<GenerationEvent>(() => (cancelled = true));
  void runGeneration(model, request, promptIds, channel, () => cancelled);
  return channel;
}

async function openGraph(folder: ModelFolder, file: string, settings: SessionSettings, options: LoadModelOptions) {
  try {
    return await createSession(path.join(folder.dir, file), settings, { logger: options.logger });
  } catch (e) {
    throw new ModelFolderError(
      folder.dir,
      file,
      `cannot be loaded by onnxruntime (${(e as Error).message.split("\n")[0]})`,
    );
  }
}

function checkDecoderGraph(folder: ModelFolder, session: ort.InferenceSession, shape: Seq2SeqShape): void {
  const need = [
    "encoder_attention_mask",
    "input_ids",
    "encoder_hidden_states",
    "use_cache_branch",
    ...kvNames(shape, "past_key_values"),
  ];
  const missing = need.filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0)
    throw new ModelFolderError(
      folder.dir,
      path.relative(folder.dir, shape.decoderPath),
      `has no input ${missing[0]} (expected Optimum's merged decoder for ${shape.decoderLayers} layers)`,
      missing[0],
    );
}

export async function loadSeq2SeqFolder(folder: ModelFolder, options: LoadModelOptions): Promise<LoadedSeq2Seq> {
  const shape = folder.seq2seq!;
  const id = options.id ?? path.basename(folder.dir);
  const settings = engineSettings(options);
  const tokenizer = loadTokenizer(folder);
  // The KV cache stays in host memory: these models are small and it is fed back as it came.
  const sessionSettings = { ...settings.session, kvOnDevice: false };
  const encoder = await openGraph(folder, path.relative(folder.dir, shape.encoderPath), sessionSettings, options);
  let decoder: CreatedSession;
  try {
    decoder = await openGraph(folder, path.relative(folder.dir, shape.decoderPath), sessionSettings, options);
    checkDecoderGraph(folder, decoder.session, shape);
  } catch (e) {
    await encoder.session.release();
    throw e;
  }
  const runner = new Seq2SeqRunner(encoder.session, decoder.session, shape);
  const context: Seq2SeqContext = {
    id,
    folder,
    shape,
    tokenizer,
    runner,
    eosIds: eosTokenIds(folder, tokenizer),
    defaultMaxNewTokens: settings.defaultMaxNewTokens,
    // One generation at a time: never a batch of more than one.
    stats: { ...zeroStats(), maxBatchSize: 1 },
    turn: Promise.resolve(),
    disposed: false,
  };
  return {
    kind: "seq2seq",
    id,
    dir: folder.dir,
    device: decoder.device,
    fallbackReason: decoder.fallbackReason,
    folder,
    tokenizer,
    maxPositions: shape.maxPositions,
    encodePrompt: (request) => encodeSeq2SeqPrompt(tokenizer, request),
    generate: (request) => startSeq2SeqGeneration(context, request),
    stats: () => ({ ...context.stats }),
    dispose: async () => {
      context.disposed = true;
      // What is running stops at its next step; then the sessions go.
      await context.turn;
      await runner.release();
    },
  };
}
