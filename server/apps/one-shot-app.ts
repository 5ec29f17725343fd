// What a one-shot application (summarise, translate, code) gives the one-shot stream
// (server/generation/one-shot.ts): how to decode, and how to build the final prompt.
import type { ModelMessage, StreamTextTransform, ToolSet } from "ai";
import type { LoomProviderOptions } from "../inference";
import type { Decoding } from "./decoding";
import type { ModelDescription } from "./model-description";
import type { AppPrompts } from "./prompts";

export interface PromptContext {
  /** The model serving the task, local or remote. */
  model: ModelDescription;
  prompts: AppPrompts;
  /** Runs an earlier generation to its end (summaries' map step); aborted with the stream. */
  complete: (messages: ModelMessage[], decoding: Decoding) => Promise<string>;
  /** Shows progress on the page (a transient data part). */
  progress: (data: Record<string, unknown>) => void;
  /** Adds facts to the run's metadata (the detected source language); unlike progress, it does
   * not start the response, so a refusal after it still gets its HTTP status. */
  describe: (facts: { detectedSource?: string }) => void;
}

export interface OneShotApp {
  decoding: Decoding;
  /** Builds the final prompt; may run earlier generations first and report progress. */
  prepare: (context: PromptContext) => Promise<ModelMessage[]>;
  /** Set by `prepare` when the answer's text is shaped or cut as it streams (code suggestions). */
  transform?: StreamTextTransform<ToolSet>;
  /** Set by `prepare` for what messages cannot say (a FIM prompt's token ids). */
  providerOptions?: { loom: LoomProviderOptions };
}
