// The engine as an AI SDK language model (LanguageModelV3 of @ai-sdk/provider 3), so routes use
// streamText / generateText and the AI SDK's UI stream protocol like with any hosted model.

import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3Warning,
} from "@ai-sdk/provider";
import { z } from "zod";
import type { ChatMessage } from "./chat-template";
import type { GenerateRequest, GenerationEvent, LoadedGenerator } from "./loaded-model";
import { InvalidRequestError } from "./errors";

/** providerOptions.loom: what the AI SDK's call settings have no field for. */
export const loomProviderOptionsSchema = z.object({
  repetitionPenalty: z.number().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  /** Continue past end-of-sequence tokens (benchmarks). */
  ignoreEos: z.boolean().optional(),
  /**
   * false: skip the chat template and continue the messages' text as is (joined by blank lines),
   * e.g. for code completion. Base models without a template always work that way.
   */
  chatTemplate: z.boolean().optional(),
  /**
   * The prompt as token ids, continued as they are; the messages are then not read. For prompts
   * whose control tokens only the server may place (code fill-in-the-middle sentinels).
   */
  promptIds: z.array(z.number().int().nonnegative()).max(1_000_000).optional(),
});
export type LoomProviderOptions = z.infer<typeof loomProviderOptionsSchema>;

export interface LoomLanguageModelSettings {
  /** Provider name reported to the AI SDK (default "loom"). */
  provider?: string;
  /** Model id reported to the AI SDK (default: the loaded model's id). */
  modelId?: string;
  /**
   * The queue group of every request through this model (the registry gives the app's name):
   * the engine shares its decode slots fairly between groups (scheduler.ts, decision 034).
   */
  queueGroup?: string;
}

type FinishEvent = Extract<GenerationEvent, { type: "finish" }>;

function finishReasonOf(event: FinishEvent): LanguageModelV3FinishReason {
  switch (event.finishReason) {
    case "eos":
    case "stop-sequence":
      return { unified: "stop", raw: event.finishReason };
    case "length":
      return { unified: "length", raw: "length" };
  }
}

function usageOf(event: FinishEvent | undefined): LanguageModelV3Usage {
  if (!event)
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  // No prompt caching across requests: every prompt token is computed.
  return {
    inputTokens: { total: event.promptTokens, noCache: event.promptTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: event.outputTokens, text: event.outputTokens, reasoning: 0 },
    raw: { promptTokens: event.promptTokens, outputTokens: event.outputTokens },
  };
}

function metadataOf(model: LoadedGenerator, event: FinishEvent): Record<string, JSONObject> {
  return {
    loom: {
      device: model.device,
      finishReason: event.finishReason,
      timeToFirstTokenMs: round(event.timings.timeToFirstTokenMs),
      queuedMs: round(event.timings.queuedMs),
      totalMs: round(event.timings.totalMs),
      tokensPerSecond: round(event.timings.decodeTokensPerSecond),
    },
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** AI SDK prompt → chat messages; what a text model cannot take becomes a warning. */
export function toChatMessages(prompt: LanguageModelV3Prompt, warnings: SharedV3Warning[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const warned = new Set<string>();
  const unsupported = (feature: string, details: string) => {
    if (warned.has(feature)) return;
    warned.add(feature);
    warnings.push({ type: "unsupported", feature, details });
  };
  for (const message of prompt) {
    switch (message.role) {
      case "system":
        messages.push({ role: "system", content: message.content });
        break;
      case "user":
      case "assistant": {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type === "text") texts.push(part.text);
          else if (part.type === "file") unsupported("file parts", "this model reads text only; files were left out");
          else if (part.type === "reasoning")
            continue; // the model's own earlier reasoning: not replayed
          else unsupported("tool calls", "this model has no tool calling; tool parts were left out");
        }
        messages.push({ role: message.role, content: texts.join("\n") });
        break;
      }
      case "tool":
        unsupported("tool calls", "this model has no tool calling; tool results were left out");
        break;
    }
  }
  return messages;
}

export class LoomLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = "v3" as const;
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  private readonly queueGroup: string | undefined;

  constructor(
    readonly model: LoadedGenerator,
    settings: LoomLanguageModelSettings = {},
  ) {
    this.provider = settings.provider ?? "loom";
    this.modelId = settings.modelId ?? model.id;
    this.queueGroup = settings.queueGroup;
  }

  /** Map the AI SDK's call options onto an engine request. */
  toRequest(options: LanguageModelV3CallOptions): { request: GenerateRequest; warnings: SharedV3Warning[] } {
    const warnings: SharedV3Warning[] = [];
    const messages = toChatMessages(options.prompt, warnings);
    if (options.tools && options.tools.length > 0)
      warnings.push({ type: "unsupported", feature: "tools", details: "this model has no tool calling" });
    if (options.responseFormat?.type === "json")
      warnings.push({
        type: "unsupported",
        feature: "responseFormat",
        details: "JSON output is not enforced; ask for JSON in the prompt",
      });
    const parsed = loomProviderOptionsSchema.safeParse(options.providerOptions?.loom ?? {});
    if (!parsed.success) throw new InvalidRequestError(`providerOptions.loom: ${parsed.error.issues[0]!.message}`);
    const loom = parsed.data;
    const request: GenerateRequest = {
      ...(loom.promptIds
        ? { promptIds: loom.promptIds }
        : loom.chatTemplate === false
          ? { prompt: messages.map((m) => m.content).join("\n\n") }
          : { messages }),
      maxNewTokens: options.maxOutputTokens,
      temperature: options.temperature,
      topK: options.topK,
      topP: options.topP,
      seed: options.seed,
      stopSequences: options.stopSequences,
      // OpenAI-style additive penalties are applied as such (on the output's token counts);
      // the multiplicative HF repetition penalty comes from providerOptions or generation_config.
      frequencyPenalty: options.frequencyPenalty,
      presencePenalty: options.presencePenalty,
      repetitionPenalty: loom.repetitionPenalty,
      timeoutMs: loom.timeoutMs,
      ignoreEos: loom.ignoreEos,
      ...(this.queueGroup !== undefined && { queueGroup: this.queueGroup }),
      signal: options.abortSignal,
    };
    return { request, warnings };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { request, warnings } = this.toRequest(options);
    const timestamp = new Date();
    let finish: FinishEvent | undefined;
    for await (const event of this.model.generate(request)) if (event.type === "finish") finish = event;
    const text = finish!.text;
    return {
      content: text.length > 0 ? [{ type: "text", text }] : [],
      finishReason: finishReasonOf(finish!),
      usage: usageOf(finish),
      providerMetadata: metadataOf(this.model, finish!),
      response: { timestamp, modelId: this.modelId },
      warnings,
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const { request, warnings } = this.toRequest(options);
    // generate() throws BusyError / InvalidRequestError here, before any stream exists.
    const iterator = this.model.generate(request)[Symbol.asyncIterator]();
    const model = this.model;
    const modelId = this.modelId;
    const textId = "0";
    let textStarted = false;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start(controller) {
        controller.enqueue({ type: "stream-start", warnings });
        controller.enqueue({ type: "response-metadata", timestamp: new Date(), modelId });
      },
      async pull(controller) {
        let result: IteratorResult<GenerationEvent>;
        try {
          result = await iterator.next();
        } catch (error) {
          if ((error as Error).name === "AbortError") {
            controller.error(error); // the AI SDK recognises AbortError and reports an abort
            return;
          }
          if (textStarted) controller.enqueue({ type: "text-end", id: textId });
          controller.enqueue({ type: "error", error });
          controller.enqueue({
            type: "finish",
            finishReason: { unified: "error", raw: (error as Error).name },
            usage: usageOf(undefined),
          });
          controller.close();
          return;
        }
        if (result.done) {
          controller.close();
          return;
        }
        const event = result.value;
        if (event.type === "delta") {
          if (!textStarted) {
            textStarted = true;
            controller.enqueue({ type: "text-start", id: textId });
          }
          controller.enqueue({ type: "text-delta", id: textId, delta: event.text });
          return;
        }
        if (textStarted) controller.enqueue({ type: "text-end", id: textId });
        controller.enqueue({
          type: "finish",
          finishReason: finishReasonOf(event),
          usage: usageOf(event),
          providerMetadata: metadataOf(model, event),
        });
        controller.close();
      },
      async cancel() {
        // The reader went away: stop generating and free the slot.
        await iterator.return?.();
      },
    });
    return { stream };
  }
}

/** The AI SDK model for a loaded causal LM. */
export function createLoomLanguageModel(
  model: LoadedGenerator,
  settings: LoomLanguageModelSettings = {},
): LoomLanguageModel {
  return new LoomLanguageModel(model, settings);
}
