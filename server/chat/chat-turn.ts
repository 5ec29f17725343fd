// One chat turn: the user's message (none when regenerating) stored under its parent, the
// conversation up to it fitted to the model's context, and an assistant message that a detached
// generation writes (generation-runner.ts). A message the model cannot read with room for an
// answer is refused before anything is stored. Stopping ends the turns running in a conversation;
// deleting one, or disabling its owner, stops them first.
import type { LanguageModel } from "ai";
import type { ModelRow } from "../../db/schema";
import { HttpError } from "../http-error";
import { textOf } from "../common/message-text";
import {
  fitChatPrompt,
  measureMessage,
  messageTooLongText,
  withSystemPrompt,
  type ChatRequest,
  type TextTurn,
} from "../apps/chat";
import { outputRoom } from "../apps/budget";
import { chatDecodingOf, chatSettingsOf, DEFAULT_CHAT_SETTINGS, type ChatSettings } from "../apps/chat-settings";
import type { Decoding } from "../apps/decoding";
import { assertSystemPromptFits } from "../apps/chat-settings-fit";
import type { ModelDescription } from "../apps/model-description";
import type { AppPrompts } from "../apps/prompts";
import { countingOnce } from "../apps/token-counts";
import { ChatNotFoundError, type ChatStore, type NewMessage } from "./chat-store";
import { pathToRoot } from "./message-tree";
import type { GenerationLog } from "./generation-log";
import type { GenerationRunner } from "./generation-runner";

/** The chat model as the registry resolves it: its row, the AI SDK model, and its description. */
interface ChatModel {
  row: Pick<ModelRow, "id" | "displayName">;
  model: LanguageModel;
  description: ModelDescription;
}

/** What a turn needs: the chat's messages, its model (as the registry resolves it), the runner and its log. */
export interface ChatTurnServices {
  chats: Pick<ChatStore, "ownedChat" | "messagesOf" | "addMessagesTo" | "deleteChat">;
  registry: {
    languageModel(app: "chat", requested?: string): Promise<ChatModel>;
  };
  generations: Pick<GenerationRunner, "start" | "stop">;
  generationLog: Pick<GenerationLog, "runningForChat" | "runningForUser" | "requestStop" | "awaitEnd">;
}

export interface StartedTurn {
  generationId: string;
  /** The assistant message being written. */
  messageId: string;
  /** For the page, with the stream's start: which model answers, under which message. */
  metadata: { modelId: string; modelName: string; parentId: string };
}

/**
 * Refuses a message that alone, with the system prompt, leaves the model less than the chat's
 * answer room (its max tokens, at most half the context): the composer's limit, by the same rule
 * (chatInputLimit), so what the page lets through the server takes.
 */
function assertMessageFits({ row, description }: ChatModel, prompts: AppPrompts, text: string, decoding: Decoding) {
  const room = outputRoom(description, decoding);
  const size = measureMessage(text, prompts, description.maxPositions, (m) => description.countTokens(m), room);
  if (size.tokens <= size.maxTokens) return;
  const model = { name: row.displayName, context: description.maxPositions };
  throw new HttpError(413, "MESSAGE_TOO_LONG", messageTooLongText(size, text.length, model));
}

/**
 * For a conversation's first message, before the conversation is created: refuses it as the turn
 * would (the model that would answer it cannot read it).
 */
export async function assertFirstMessageFits(
  services: Pick<ChatTurnServices, "registry">,
  text: string,
  modelId?: string,
  settings: ChatSettings = DEFAULT_CHAT_SETTINGS,
) {
  const chatModel = await services.registry.languageModel("chat", modelId);
  assertSystemPromptFits(settings.systemPrompt, chatModel.description, chatModel.row.displayName);
  const prompts = withSystemPrompt(chatModel.description.prompts, settings.systemPrompt);
  assertMessageFits(chatModel, prompts, text, chatDecodingOf(settings));
}

/**
 * Starts the answer to `input` in the user's chat; one answer at a time per conversation. Each
 * row is read once and handed on (decision 034): the chat, its model, its messages (the parent's
 * check and the path the model sees), and the question and its answer are stored together.
 */
export async function startChatTurn(
  services: ChatTurnServices,
  userId: string,
  input: ChatRequest,
): Promise<StartedTurn> {
  const { chats, registry, generations, generationLog } = services;
  const chat = await chats.ownedChat(userId, input.chatId);
  if ((await generationLog.runningForChat(chat.id)).length > 0) {
    throw new HttpError(
      409,
      "ANSWER_IN_PROGRESS",
      "An answer is still being written in this conversation. Stop it first.",
    );
  }
  const resolved = await registry.languageModel("chat", input.modelId);
  // Each list of messages is tokenised once for this request, however often fitting asks.
  const chatModel = { ...resolved, description: countingOnce(resolved.description) };
  const { row, model, description } = chatModel;
  // The chat's own settings: its system prompt counts against the budget like any turn, and a
  // model other than the one they were checked with may not take it (refused, the limit shown);
  // max tokens is cut to what the model leaves an answer (fitChatPrompt).
  const settings = chatSettingsOf(chat.settings);
  assertSystemPromptFits(settings.systemPrompt, description, row.displayName);
  const prompts = withSystemPrompt(description.prompts, settings.systemPrompt);

  const tree = await chats.messagesOf(chat);
  const parentId = input.parentId;
  if (parentId && !tree.some((m) => m.id === parentId)) throw new ChatNotFoundError();
  // The conversation the model sees: the path from the root to the parent, then the new message.
  const turns: TextTurn[] = pathToRoot(tree, parentId).map((m) => ({ role: m.role, text: textOf(m.parts) }));
  const toStore: NewMessage[] = [];
  if (input.message) {
    assertMessageFits(chatModel, prompts, input.message.text, chatDecodingOf(settings));
    const question = { id: input.message.id, role: "user" as const, parentId };
    toStore.push({ ...question, parts: [{ type: "text", text: input.message.text }] });
    turns.push({ role: "user", text: input.message.text });
  } else {
    if (!parentId) throw new HttpError(400, "NOTHING_TO_ANSWER", "Nothing to answer: send a message first.");
    // A regenerate may ask another model, with a smaller context, than the one that accepted it.
    const question = turns.at(-1);
    if (question?.role === "user") assertMessageFits(chatModel, prompts, question.text, chatDecodingOf(settings));
  }
  // Newest turns first, and an answer's room that keeps prompt + answer within the context.
  const { messages, decoding } = fitChatPrompt(turns, prompts, description, chatDecodingOf(settings));

  const answersTo = input.message?.id ?? parentId!;
  toStore.push({ role: "assistant", parts: [], parentId: answersTo, modelId: row.id });
  const assistant = (await chats.addMessagesTo(chat, toStore)).at(-1)!;
  const generationId = await generations.start({
    userId,
    chatId: chat.id,
    assistantMessageId: assistant.id,
    modelId: row.id,
    model,
    messages,
    // The ids fitting counted (a local model): the engine does not tokenise the prompt again.
    promptIds: description.promptIds?.(messages),
    decoding,
  });
  return {
    generationId,
    messageId: assistant.id,
    metadata: { modelId: row.id, modelName: row.displayName, parentId: answersTo },
  };
}

/**
 * Stops the answers being written in the user's chat; each keeps what it wrote. `stopped`: ended
 * here; `requested`: another instance of Loom writes it and stops at its next heartbeat (~2 s).
 */
export async function stopChatTurns(services: ChatTurnServices, userId: string, chatId: string) {
  const { chats, generationLog } = services;
  await chats.ownedChat(userId, chatId);
  const { stopped, requested } = await stopAll(services, await generationLog.runningForChat(chatId));
  return { stopped, requested };
}

type StoppingServices = Pick<ChatTurnServices, "generations" | "generationLog">;

/** Stops each generation here, or asks the instance that runs it; `elsewhere`: the ones asked. */
async function stopAll(services: StoppingServices, running: readonly { id: string }[]) {
  const { generations, generationLog } = services;
  let stopped = 0;
  let requested = 0;
  const elsewhere: string[] = [];
  for (const g of running) {
    if (await generations.stop(g.id)) stopped++;
    else if (await generationLog.requestStop(g.id)) {
      requested++;
      elsewhere.push(g.id);
    }
  }
  return { stopped, requested, elsewhere };
}

/**
 * Deletes the user's chat once nothing writes in it: an answer written here is stopped and
 * settled (its message saved) first; one written by another instance is asked to stop and waited
 * for, up to a few heartbeats. Past that the chat is deleted anyway, and that writer finds its
 * rows gone and ends quietly (event-writer.ts).
 */
export async function deleteChatAfterStopping(services: ChatTurnServices, userId: string, chatId: string) {
  const { chats, generationLog } = services;
  await chats.ownedChat(userId, chatId);
  const { elsewhere } = await stopAll(services, await generationLog.runningForChat(chatId));
  await Promise.all(elsewhere.map((id) => generationLog.awaitEnd(id)));
  await chats.deleteChat(userId, chatId);
}

/** Stops every answer being written for a user (an administrator disabled the account). */
export async function stopUserTurns(services: StoppingServices, userId: string) {
  const { stopped, requested } = await stopAll(services, await services.generationLog.runningForUser(userId));
  return { stopped, requested };
}
