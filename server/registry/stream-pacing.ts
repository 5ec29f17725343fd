// LOOM_STREAM_DELAY_MS: a pause before each streamed text delta. For demos on fast hardware and
// for the end-to-end tests that reload a page mid-answer (a tiny model answers faster than a page
// reloads). Off (0) by default; it changes pacing only, never content.
import type { LanguageModelV3Middleware, LanguageModelV3StreamPart } from "@ai-sdk/provider";

export function pacingMiddleware(delayMs: number): LanguageModelV3Middleware {
  return {
    specificationVersion: "v3",
    wrapStream: async ({ doStream }) => {
      const { stream, ...rest } = await doStream();
      const paced = stream.pipeThrough(
        new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          async transform(part, controller) {
            if (part.type === "text-delta") await new Promise((resolve) => setTimeout(resolve, delayMs));
            controller.enqueue(part);
          },
        }),
      );
      return { stream: paced, ...rest };
    },
  };
}
