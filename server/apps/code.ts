// Code completion: the prompt (the code window fitted to the model's budget) and the stop rules
// that keep a completion to the statement or block being written (code-stops.ts). A model that
// declares `loom.fim` gets a fill-in-the-middle prompt of token ids (the code before and after the
// cursor between its sentinels); any other model continues the code before the cursor.
import type { ModelMessage } from "ai";
import { z } from "zod";
import { HttpError } from "../http-error";
import { countMessageTokens, promptBudget, type PromptModel } from "./budget";
import { suggestionTransform } from "./code-stops";
import { fitCodeWindow, type CodeWindow } from "./code-window";
import type { Decoding } from "./decoding";
import type { ModelDescription } from "./model-description";
import { INPUT_LIMITS } from "./limits";
import type { OneShotApp } from "./one-shot-app";
import { fillTemplate, type AppPrompts } from "./prompts";

export const CODE_LANGUAGES = [
  "typescript",
  "javascript",
  "python",
  "go",
  "rust",
  "java",
  "c",
  "cpp",
  "shell",
] as const;

export const codeInput = z.object({
  code: z
    .string()
    .min(1, "Write some code to complete.")
    .max(
      INPUT_LIMITS.codeContext,
      `Code context is limited to ${INPUT_LIMITS.codeContext.toLocaleString("en")} characters.`,
    ),
  /** The code after the cursor: only a model with fill-in-the-middle reads it. */
  suffix: z
    .string()
    .max(
      INPUT_LIMITS.codeContext,
      `Code after the cursor is limited to ${INPUT_LIMITS.codeContext.toLocaleString("en")} characters.`,
    )
    .default(""),
  language: z.enum(CODE_LANGUAGES),
  /** inline: ghost text at the cursor; block: the "Complete" button, longer. */
  mode: z.enum(["inline", "block"]).default("inline"),
  modelId: z.string().max(128).optional(),
});
export type CodeInput = z.infer<typeof codeInput>;

export const codeDecoding: Record<CodeInput["mode"], Decoding> = {
  // A blank line ends the statement or block being written; two end a block-level completion.
  inline: { temperature: 0, maxOutputTokens: 64, stopSequences: ["\n\n"] },
  block: { temperature: 0.2, topP: 0.95, maxOutputTokens: 256, stopSequences: ["\n\n\n"] },
};

export function codeMessages(input: Pick<CodeInput, "code" | "language">, prompts: AppPrompts): ModelMessage[] {
  const messages: ModelMessage[] = [];
  if (prompts.code.system) {
    messages.push({ role: "system", content: fillTemplate(prompts.code.system, { language: input.language }) });
  }
  messages.push({
    role: "user",
    content: fillTemplate(prompts.code.user, { code: input.code, language: input.language }),
  });
  return messages;
}

/**
 * The nearest code before the cursor that fits the model's prompt budget, as the code app's
 * messages, and where the suggestion goes. FIM models are not served through messages: their
 * window (with the code after the cursor) is built by `fitCodeWindow` with `fim: true`.
 */
export function fitCodeMessages(
  input: Pick<CodeInput, "code" | "language" | "mode">,
  model: PromptModel & Pick<ModelDescription, "countText">,
  prompts: AppPrompts,
): { messages: ModelMessage[]; window: CodeWindow } {
  const budget = promptBudget(model, codeDecoding[input.mode]);
  const messagesOf = (window: CodeWindow) => codeMessages({ code: window.before, language: input.language }, prompts);
  const window = fitCodeWindow(
    { before: input.code, fim: false },
    { budget, count: (w) => countMessageTokens(model, messagesOf(w)), lineTokens: lineTokensOf(model) },
  );
  if (!window) throw nothingToComplete(input.code);
  return { messages: messagesOf(window), window };
}

/**
 * One line of code's own tokens, for fitting's first guess: the model's tokenizer where it is
 * here, else its UTF-8 bytes (no byte-level BPE makes more tokens than bytes). Only the guess
 * uses it; the exact counts decide, so a poor guess costs time, never a prompt over the budget.
 */
function lineTokensOf(model: Pick<ModelDescription, "countText">): (line: string) => number {
  return model.countText ?? ((line) => Buffer.byteLength(line, "utf8"));
}

function nothingToComplete(code: string) {
  return new HttpError(
    422,
    "NOTHING_TO_COMPLETE",
    code.trim()
      ? "This model's context is too small for a code completion prompt."
      : "Write some code before the cursor first.",
  );
}

/** What the engine is given for a completion: messages, or (FIM) token ids that take their place. */
export interface CodePrompt {
  messages: ModelMessage[];
  /** FIM models only: the prompt as token ids, sent instead of the messages. */
  promptIds?: number[];
  window: CodeWindow;
  promptTokens: number;
}

/**
 * The prompt for a completion: for a model with `loom.fim`, the nearest lines before and after
 * the cursor that fit the budget, as FIM token ids; otherwise the code app's messages.
 */
export function prepareCodePrompt(
  input: Pick<CodeInput, "code" | "language" | "mode"> & { suffix?: string },
  model: PromptModel & Pick<ModelDescription, "fimPromptIds" | "countText">,
  prompts: AppPrompts,
): CodePrompt {
  const fimPromptIds = model.fimPromptIds;
  if (!fimPromptIds) {
    const { messages, window } = fitCodeMessages(input, model, prompts);
    return { messages, window, promptTokens: countMessageTokens(model, messages) };
  }
  const budget = promptBudget(model, codeDecoding[input.mode]);
  // The ids of each window counted, so the one chosen is not encoded again (a window of one fit
  // is its lengths: see fitCodeWindow).
  const encoded = new Map<string, number[]>();
  const idsOf = (w: CodeWindow) => {
    const key = `${w.before.length}:${w.after.length}`;
    let ids = encoded.get(key);
    if (!ids) encoded.set(key, (ids = fimPromptIds(w)));
    return ids;
  };
  const window = fitCodeWindow(
    { before: input.code, after: input.suffix ?? "", fim: true },
    { budget, count: (w) => idsOf(w).length, lineTokens: lineTokensOf(model) },
  );
  if (!window) throw nothingToComplete(input.code);
  const promptIds = idsOf(window);
  // The messages stand in for the ids where a provider cannot take ids: the code to continue.
  return { messages: [{ role: "user", content: window.before }], promptIds, window, promptTokens: promptIds.length };
}

/** The one-shot stream's plan for a completion: the fitted window, and the suggestion's stop rules. */
export function codeApp(input: Omit<CodeInput, "suffix"> & { suffix?: string }): OneShotApp {
  const app: OneShotApp = {
    decoding: codeDecoding[input.mode],
    prepare: async ({ model, prompts }) => {
      const { messages, promptIds, window, promptTokens } = prepareCodePrompt(input, model, prompts);
      app.transform = suggestionTransform(window, input.mode, promptTokens);
      if (promptIds) app.providerOptions = { loom: { promptIds } };
      return messages;
    },
  };
  return app;
}
