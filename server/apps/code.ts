// Code completion: the prompt and the stop rules that keep a completion to the block being written.
import type { ModelMessage } from "ai";
import { z } from "zod";
import type { Decoding } from "./decoding";
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

/** The one-shot stream's plan for a completion. */
export function codeApp(input: CodeInput): OneShotApp {
  return { decoding: codeDecoding[input.mode], prepare: async ({ prompts }) => codeMessages(input, prompts) };
}
