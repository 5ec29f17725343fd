// An answer shaped as it streams: a pure `shape` function turns the model's raw text so far into
// what is shown (it may only grow) and says when the answer is complete; the generation is then
// stopped, with a finish of its own, instead of running to max tokens. Code suggestions and
// summaries use it (code-stops.ts, summary-shape.ts).
import type { LanguageModelUsage, StreamTextTransform, TextStreamPart, ToolSet } from "ai";

export interface Shaped {
  /** What to show; each call's text starts with the previous call's. */
  text: string;
  /** The end is known: stop generating. */
  done: boolean;
}

/** `final`: the model has finished, so a last unfinished line or sentence counts as complete. */
export type Shape = (raw: string, final: boolean) => Shaped;

export function shapingTransform(shape: Shape, promptTokens: number): StreamTextTransform<ToolSet> {
  return ({ stopStream }) => {
    let raw = "";
    let shownLength = 0;
    let deltas = 0;
    let stopped = false;
    let textId = "0";
    const emit = (controller: TransformStreamDefaultController<TextStreamPart<ToolSet>>, final: boolean) => {
      const shaped = shape(raw, final);
      if (shaped.text.length > shownLength) {
        controller.enqueue({ type: "text-delta", id: textId, text: shaped.text.slice(shownLength) });
        shownLength = shaped.text.length;
      }
      return shaped.done;
    };
    return new TransformStream<TextStreamPart<ToolSet>, TextStreamPart<ToolSet>>({
      transform(part, controller) {
        if (stopped) return;
        if (part.type === "text-start") textId = part.id;
        if (part.type === "text-end") emit(controller, true);
        if (part.type !== "text-delta") {
          controller.enqueue(part);
          return;
        }
        raw += part.text;
        deltas++;
        if (!emit(controller, false)) return;
        // The end is known: finish here and stop the model (its stream is cancelled, freeing the slot).
        stopped = true;
        const usage = usageOf(promptTokens, deltas);
        controller.enqueue({ type: "text-end", id: textId });
        controller.enqueue({
          type: "finish-step",
          response: { id: "shaped", timestamp: new Date(), modelId: "loom" },
          usage,
          finishReason: "stop",
          rawFinishReason: "answer-complete",
          providerMetadata: undefined,
        });
        controller.enqueue({
          type: "finish",
          finishReason: "stop",
          rawFinishReason: "answer-complete",
          totalUsage: usage,
        });
        stopStream();
      },
    });
  };
}

/** Usage of a stopped answer: the engine sends about one delta per token. */
function usageOf(inputTokens: number, outputTokens: number): LanguageModelUsage {
  return {
    inputTokens,
    inputTokenDetails: { noCacheTokens: inputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
    outputTokens,
    outputTokenDetails: { textTokens: outputTokens, reasoningTokens: 0 },
    totalTokens: inputTokens + outputTokens,
  };
}
