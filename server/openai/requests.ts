// The request bodies of Loom's OpenAI-compatible API, as OpenAI documents them, bounded. Fields a
// client may send that Loom has no use for (user, logprobs: false, …) are dropped; those that
// would change the answer and that Loom cannot honour (tools, n > 1) are refused with a 400 that
// names the field. Sizes: the body limit bounds the whole request; these bound each part.
import { z } from "zod";
import { isStorableText } from "../common/user-text";

export const API_LIMITS = {
  messages: 512,
  /** Characters of one message or of a raw prompt. */
  text: 200_000,
  stopSequences: 4,
  stopSequenceChars: 200,
  maxTokens: 8_192,
} as const;

const text = (field: string) =>
  z
    .string()
    .max(API_LIMITS.text, `${field} is limited to ${API_LIMITS.text.toLocaleString("en")} characters.`)
    .refine(isStorableText, `${field} contains characters that cannot be processed (U+0000 or a lone surrogate).`);

const contentPart = z.object({ type: z.literal("text", "Only text content parts are supported."), text: text("text") });

const message = z.object({
  // "developer" is OpenAI's newer name for system instructions.
  role: z.enum(["system", "developer", "user", "assistant"], "role must be system, developer, user or assistant."),
  content: z.union([text("content"), z.array(contentPart).max(64)]).nullable(),
  name: z.string().max(64).optional(),
});

const stop = z
  .union([
    z.string().max(API_LIMITS.stopSequenceChars),
    z
      .array(z.string().max(API_LIMITS.stopSequenceChars))
      .max(API_LIMITS.stopSequences, `stop takes at most ${API_LIMITS.stopSequences} sequences.`),
  ])
  .nullable()
  .optional();

/** Sampling settings both endpoints take. */
const sampling = {
  model: z.string().min(1, "model is required.").max(128),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  max_tokens: z.number().int().min(1).max(API_LIMITS.maxTokens).nullable().optional(),
  stop,
  seed: z.number().int().nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  n: z.literal(1, "Only n = 1 is supported.").nullable().optional(),
};

export const chatCompletionRequest = z.object({
  ...sampling,
  messages: z
    .array(message)
    .min(1, "messages must hold at least one message.")
    .max(API_LIMITS.messages, `At most ${API_LIMITS.messages} messages.`),
  max_completion_tokens: z.number().int().min(1).max(API_LIMITS.maxTokens).nullable().optional(),
  tools: z.array(z.unknown()).max(0, "Loom's models have no tool calling: send no tools.").optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const completionRequest = z.object({
  ...sampling,
  prompt: z.union([text("prompt"), z.array(text("prompt")).length(1, "Send one prompt per request.")]),
  echo: z.literal(false, "echo is not supported.").nullable().optional(),
  suffix: z.null("suffix (fill in the middle) is not supported.").optional(),
});
export type CompletionRequest = z.infer<typeof completionRequest>;
