// Chat: request shape, decoding defaults, titles, and fitting a conversation into the context.
import type { ModelMessage } from "ai";
import { z } from "zod";
import { cleanText, clipText } from "../common/user-text";
import { countMessageTokens, outputRoom, promptBudget, roughCharacters, type PromptModel } from "./budget";
import { chatDecodingOf, DEFAULT_CHAT_SETTINGS } from "./chat-settings";
import type { Decoding } from "./decoding";
import { INPUT_LIMITS } from "./limits";
import type { AppPrompts } from "./prompts";
import { countingOnce } from "./token-counts";

export const chatRequest = z.object({
  chatId: z.uuid(),
  /** The message the new one hangs under: the current leaf, or for an edit the edited message's parent. */
  parentId: z.uuid().nullable(),
  /** A new user message (send or edit). Absent for regenerate: a new answer to `parentId`. */
  message: z
    .object({
      id: z.uuid(),
      text: cleanText("Message")
        .trim()
        .min(1, "Write a message first.")
        .max(
          INPUT_LIMITS.chatMessage,
          `Messages are limited to ${INPUT_LIMITS.chatMessage.toLocaleString("en")} characters.`,
        ),
    })
    .optional(),
  modelId: z.string().max(128).optional(),
});
export type ChatRequest = z.infer<typeof chatRequest>;

export const chatDecoding: Decoding = chatDecodingOf(DEFAULT_CHAT_SETTINGS);

/** The prompts a chat uses: its own system prompt, when it has one, instead of the model's. */
export function withSystemPrompt(prompts: AppPrompts, systemPrompt: string): AppPrompts {
  return systemPrompt ? { ...prompts, chat: { ...prompts.chat, system: systemPrompt } } : prompts;
}

/** A title from the first message: its first line, cut at a word boundary. */
export function titleFrom(text: string, max = 60): string {
  const line = text.trim().split("\n")[0]!.replace(/\s+/g, " ");
  if (line.length <= max) return line || "New chat";
  const cut = clipText(line, max);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 20 ? cut.lastIndexOf(" ") : max).trimEnd()}…`;
}

/** The least room an answer needs: a message that leaves less is refused before it is stored. */
export const MIN_ANSWER_TOKENS = 64;

export interface MessageSize {
  /** What the message itself takes, without the system prompt and the chat template. */
  tokens: number;
  /** The most it may take: the context less the system prompt, the template and an answer's room. */
  maxTokens: number;
}

/**
 * How much of the model's `contextTokens` one user message takes, alone with the system prompt,
 * and the most it may take: what is left once the chat's answer room (its max tokens, at most
 * half the context: `outputRoom`) is kept, and never less room than MIN_ANSWER_TOKENS. The
 * composer's limit and the turn's refusal both come from here, so they cannot disagree.
 */
export function measureMessage(
  text: string,
  prompts: AppPrompts,
  contextTokens: number,
  countTokens: (messages: ModelMessage[]) => number,
  answerRoom = MIN_ANSWER_TOKENS,
): MessageSize {
  const system: ModelMessage[] = prompts.chat.system ? [{ role: "system", content: prompts.chat.system }] : [];
  const framed = (content: string) => countTokens([...system, { role: "user", content }]);
  const frame = framed("");
  const room = Math.max(MIN_ANSWER_TOKENS, answerRoom);
  return { tokens: framed(text) - frame, maxTokens: Math.max(0, contextTokens - room - frame) };
}

export interface TextTurn {
  role: "user" | "assistant" | "system";
  text: string;
}

/**
 * The newest turns that fit in `budget` tokens, with the system prompt first. Older turns are
 * dropped whole (never cut mid-message); the last user turn is always kept. The result is the
 * longest suffix of turns whose exact count fits (the count grows with every turn kept); it is
 * found with O(turns) counts, each turn encoded about once (decision 034): the whole
 * conversation first (it usually fits), else each turn's own tokens, summed from the newest to
 * the first start that fits, then that start checked with exact counts and moved if the
 * template's joins made the sum wrong.
 */
export function fitConversation(
  turns: TextTurn[],
  prompts: AppPrompts,
  budget: number,
  countTokens: (messages: ModelMessage[]) => number,
): ModelMessage[] {
  const system: ModelMessage[] = prompts.chat.system ? [{ role: "system", content: prompts.chat.system }] : [];
  const all: ModelMessage[] = turns
    .filter((t) => t.text)
    .map((t) => ({ role: t.role, content: t.text }) as ModelMessage);
  if (all.length === 0) return system;
  const from = (start: number) => [...system, ...all.slice(start)];
  const fits = (start: number) => countTokens(from(start)) <= budget;
  if (all.length === 1 || fits(0)) return from(0);

  // Each turn as a user message after the system prompt, less that frame: every template takes
  // that shape (an assistant turn alone may be refused), and the role's markers are the frame's.
  const framed = (content: string) => countTokens([...system, { role: "user", content }]);
  const frame = framed("");
  let start = all.length - 1;
  let total = frame + (framed(String(all[start]!.content)) - frame);
  while (start > 0) {
    const cost = framed(String(all[start - 1]!.content)) - frame;
    if (total + cost > budget) break;
    total += cost;
    start--;
  }
  // The sum is an estimate of the exact count: move to where the exact count says.
  while (start < all.length - 1 && !fits(start)) start++;
  while (start > 1 && fits(start - 1)) start--;
  return from(start);
}

/**
 * The conversation as the model reads it, and the decoding that keeps prompt + answer within the
 * context: older turns dropped until the rest fits the budget; the newest user turn (which
 * `measureMessage` admitted) always stays, and the answer gets whatever room it leaves.
 */
export function fitChatPrompt(
  turns: TextTurn[],
  prompts: AppPrompts,
  model: PromptModel,
  decoding: Decoding = chatDecoding,
): { messages: ModelMessage[]; decoding: Decoding } {
  // Counted once per distinct list of messages: fitting and the answer's room ask the same ones.
  const counting = countingOnce(model);
  const count = (messages: ModelMessage[]) => countMessageTokens(counting, messages);
  const messages = fitConversation(turns, prompts, promptBudget(model, decoding), count);
  const room = model.maxPositions - count(messages);
  return { messages, decoding: { ...decoding, maxOutputTokens: Math.min(decoding.maxOutputTokens ?? 256, room) } };
}

/** The refusal of a message that alone leaves no room for an answer: tokens and roughly characters. */
export function messageTooLongText(size: MessageSize, chars: number, model: { name: string; context: number }) {
  const roughly = roughCharacters(size.maxTokens, { chars, tokens: size.tokens }).toLocaleString("en");
  return (
    `This message is ${size.tokens} tokens; ${model.name} reads at most ${model.context} tokens including the ` +
    `answer, so a message can have at most ${size.maxTokens}. That is about ${roughly} characters of text like ` +
    `this. Shorten it.`
  );
}

/** The limit the composer shows: the most one new message may take, in tokens and (roughly) characters. */
export interface ChatInputLimit {
  tokens: number;
  /** From English prose's characters per token with this tokenizer; other text differs. */
  chars: number;
}

const SAMPLE =
  "Could you explain how the new bus routes work, and which of them run at night? I would also like to know the fares.";

/**
 * The composer's limit for a chat: its system prompt (in `prompts`, see withSystemPrompt) and its
 * answer room (`decoding`'s max tokens, as the turn reserves it) taken out of the context.
 */
export function chatInputLimit(
  prompts: AppPrompts,
  model: PromptModel,
  decoding: Decoding = chatDecoding,
): ChatInputLimit {
  const count = (messages: ModelMessage[]) => countMessageTokens(model, messages);
  const room = outputRoom(model, decoding);
  const { maxTokens } = measureMessage("", prompts, model.maxPositions, count, room);
  const sample = measureMessage(SAMPLE, prompts, model.maxPositions, count, room);
  const chars = roughCharacters(maxTokens, { chars: SAMPLE.length, tokens: sample.tokens });
  return { tokens: maxTokens, chars: Math.min(chars, INPUT_LIMITS.chatMessage) };
}
