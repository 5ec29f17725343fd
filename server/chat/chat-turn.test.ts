// A chat turn: the user's message and the answer's place in the tree, one answer at a time, Stop,
// and deleting a conversation or disabling its owner while an answer is written. Real engine,
// real database; the registry is reduced to the one model it would resolve.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, mock, test } from "node:test";
import { fileURLToPath } from "node:url";
import { wrapLanguageModel } from "ai";
import type { Database } from "../../db/client";
import { eq } from "drizzle-orm";
import { generations, messages, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createAuthService } from "../auth/auth-service";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { chatLimits } from "../apps/chat-limits";
import { DEFAULT_CHAT_SETTINGS } from "../apps/chat-settings";
import { describeLocalModel } from "../apps/model-description";
import { logger } from "../logger";
import { pacingMiddleware } from "../registry/stream-pacing";
import { createRunRecorder } from "../usage/runs";
import { createChatStore, type ChatStore } from "./chat-store";
import {
  assertFirstMessageFits,
  deleteChatAfterStopping,
  startChatTurn,
  stopChatTurns,
  stopUserTurns,
  type ChatTurnServices,
} from "./chat-turn";
import { createGenerationLog, type GenerationLog } from "./generation-log";
import { createGenerationRunner, type GenerationRunner } from "./generation-runner";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));

describe("chat turn", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let chats: ChatStore;
  let services: ChatTurnServices;
  let generationLog: GenerationLog;
  let runner: GenerationRunner;
  let userId: string;
  // A write that rejects with nobody listening would take a server down (Node exits on an
  // unhandled rejection): trapped here, and there must be none.
  const rejections: unknown[] = [];
  const trap = (reason: unknown) => void rejections.push(reason);

  before(async () => {
    process.on("unhandledRejection", trap);
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    // Greedy and paced: the same answer every run, slow enough to be stopped. (Sampled, the tiny
    // random model may write U+0000, which the log's jsonb column refuses.)
    const model = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: [
        { specificationVersion: "v3", transformParams: async ({ params }) => ({ ...params, temperature: 0 }) },
        pacingMiddleware(5),
      ],
    });
    chats = createChatStore(database.db);
    generationLog = createGenerationLog(database.db, { flushIntervalMs: 10 });
    const runs = createRunRecorder(database.db);
    runner = createGenerationRunner({ log: generationLog, store: chats, runs, logger });
    services = {
      chats,
      registry: {
        languageModel: async () => ({
          row: { id: "tiny-llama", displayName: "Tiny Llama" },
          model,
          description: describeLocalModel(loaded),
        }),
      },
      generations: runner,
      generationLog,
    };
    const [user] = await database.db
      .insert(users)
      .values({ email: "t@example.com", name: "T", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    process.off("unhandledRejection", trap);
    await loaded.dispose();
    await database.close();
    assert.deepEqual(rejections, [], "no unhandled rejection");
  });

  const untilDone = async (generationId: string) => {
    for await (const e of generationLog.follow(generationId, 0)) void e;
  };

  test("a message is stored under its parent and answered below it; a regenerate adds a sibling answer", async () => {
    // The AI SDK warns on the console about a system message in `messages`; the prompt is ours.
    const warn = mock.method(console, "warn");
    const chat = await chats.createChat(userId);
    const messageId = randomUUID();
    const turn = await startChatTurn(services, userId, {
      chatId: chat.id,
      parentId: null,
      message: { id: messageId, text: "Hello" },
    });
    assert.deepEqual(turn.metadata, { modelId: "tiny-llama", modelName: "Tiny Llama", parentId: messageId });
    await untilDone(turn.generationId);
    const path = (await chats.getChat(userId, chat.id)).path;
    assert.deepEqual(
      path.map((m) => [m.id, m.role]),
      [
        [messageId, "user"],
        [turn.messageId, "assistant"],
      ],
    );
    assert.equal(path[1]!.modelId, "tiny-llama");

    const again = await startChatTurn(services, userId, { chatId: chat.id, parentId: messageId });
    await untilDone(again.generationId);
    const answer = (await chats.getChat(userId, chat.id)).path.at(-1)!;
    assert.equal(answer.id, again.messageId);
    assert.deepEqual(answer.siblingIds, [turn.messageId, again.messageId]);
    assert.deepEqual(warn.mock.calls, []);
    warn.mock.restore();
  });

  test("the prompt is tokenised once per turn: fitting, the answer's room and the engine share it", async () => {
    // Decision 034: the message alone, the conversation, the answer's room and the engine asked
    // the tokenizer for the same text four times; now the ids fitting made go to the engine.
    const text = "Which of the bus routes run at night, and what do the fares cost?";
    const encodeParts = mock.method(loaded.tokenizer, "encodeParts");
    try {
      const chat = await chats.createChat(userId);
      const turn = await startChatTurn(services, userId, {
        chatId: chat.id,
        parentId: null,
        message: { id: randomUUID(), text },
      });
      await untilDone(turn.generationId);
      const withText = encodeParts.mock.calls.filter((call) => call.arguments[0].some((p) => p.text.includes(text)));
      assert.equal(withText.length, 1, `the question tokenised ${withText.length} times`);
    } finally {
      encodeParts.mock.restore();
    }
  });

  test("one answer at a time per conversation; Stop ends it and keeps it", async () => {
    const chat = await chats.createChat(userId);
    const first = await startChatTurn(services, userId, {
      chatId: chat.id,
      parentId: null,
      message: { id: randomUUID(), text: "Write a lot" },
    });
    await assert.rejects(startChatTurn(services, userId, { chatId: chat.id, parentId: first.metadata.parentId }), {
      httpStatus: 409,
      code: "ANSWER_IN_PROGRESS",
    });
    const stopped = await stopChatTurns(services, userId, chat.id);
    assert.deepEqual(stopped, { stopped: 1, requested: 0 });
    assert.deepEqual(await stopChatTurns(services, userId, chat.id), { stopped: 0, requested: 0 });
    assert.equal((await chats.getChat(userId, chat.id)).path.at(-1)?.id, first.messageId);
  });

  test("a message the model cannot read with room for an answer is refused before anything is stored", async () => {
    const chat = await chats.createChat(userId);
    // 2,000 tokens in the tiny model's 256 positions.
    const text = "a".repeat(2000);
    const tooLong = {
      httpStatus: 413,
      code: "MESSAGE_TOO_LONG",
      message:
        /^This message is 2000 tokens; Tiny Llama reads at most 256 tokens including the answer, so a message can have at most \d+\./,
    };
    await assert.rejects(
      startChatTurn(services, userId, { chatId: chat.id, parentId: null, message: { id: randomUUID(), text } }),
      tooLong,
    );
    assert.deepEqual((await chats.getChat(userId, chat.id)).path, []);
    // The first message is checked the same way before its conversation is created.
    await assert.rejects(assertFirstMessageFits(services, text), tooLong);
    await assertFirstMessageFits(services, "Hello");
  });

  test("the chat's system prompt and max tokens count: over the composer's limit is refused, at it accepted", async () => {
    const description = describeLocalModel(loaded);
    const settings = { ...DEFAULT_CHAT_SETTINGS, maxTokens: 120, systemPrompt: "Answer briefly and kindly." };
    const { inputLimit } = chatLimits(settings, description);
    // The same chat with Loom's least answer room takes a longer message: the settings are counted.
    const roomy = chatLimits({ ...settings, maxTokens: 1 }, description).inputLimit;
    assert.equal(inputLimit.tokens, roomy.tokens - (120 - 64));
    // "a" is one token each in the tiny model's vocabulary (the refusal below counts them).
    const send = async (tokens: number) => {
      const chat = await chats.createChat(userId, "Limited", { settings });
      const text = "a".repeat(tokens);
      const turn = startChatTurn(services, userId, {
        chatId: chat.id,
        parentId: null,
        message: { id: randomUUID(), text },
      });
      return { chat, turn };
    };
    const over = await send(inputLimit.tokens + 1);
    await assert.rejects(over.turn, {
      httpStatus: 413,
      code: "MESSAGE_TOO_LONG",
      message: new RegExp(
        `^This message is ${inputLimit.tokens + 1} tokens; .* a message can have at most ${inputLimit.tokens}\\.`,
      ),
    });
    assert.deepEqual((await chats.getChat(userId, over.chat.id)).path, []);
    await assert.rejects(assertFirstMessageFits(services, "a".repeat(inputLimit.tokens + 1), undefined, settings), {
      httpStatus: 413,
    });
    const at = await send(inputLimit.tokens);
    await untilDone((await at.turn).generationId);
    assert.equal((await chats.getChat(userId, at.chat.id)).path.length, 2);
  });

  test("regenerating a question the model cannot read adds no answer", async () => {
    const chat = await chats.createChat(userId);
    // Stored as another model (with a longer context) would have accepted it.
    const question = await chats.addMessage(userId, chat.id, {
      role: "user",
      parts: [{ type: "text", text: "word ".repeat(300) }],
      parentId: null,
    });
    await assert.rejects(startChatTurn(services, userId, { chatId: chat.id, parentId: question.id }), {
      httpStatus: 413,
      code: "MESSAGE_TOO_LONG",
    });
    assert.deepEqual(
      (await chats.getChat(userId, chat.id)).path.map((m) => m.id),
      [question.id],
    );
  });

  test("refusals: nothing to answer, and someone else's conversation", async () => {
    const chat = await chats.createChat(userId);
    await assert.rejects(startChatTurn(services, userId, { chatId: chat.id, parentId: null }), {
      httpStatus: 400,
      code: "NOTHING_TO_ANSWER",
    });
    const stranger = randomUUID();
    await assert.rejects(startChatTurn(services, stranger, { chatId: chat.id, parentId: null }), { httpStatus: 404 });
    await assert.rejects(stopChatTurns(services, stranger, chat.id), { httpStatus: 404 });
  });

  /** Starts an answer and waits until it has written two deltas. */
  async function answering(owner = userId) {
    const chat = await chats.createChat(owner);
    const turn = await startChatTurn(services, owner, {
      chatId: chat.id,
      parentId: null,
      message: { id: randomUUID(), text: "Tell me a long story" },
    });
    for await (const e of generationLog.follow(turn.generationId, 0)) if (e.seq >= 2) break;
    assert.ok(runner.isLive(turn.generationId));
    return { chat, turn };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

  test("deleting a conversation while its answer is written stops the answer first", async () => {
    const { chat, turn } = await answering();
    await deleteChatAfterStopping(services, userId, chat.id);
    assert.equal(runner.isLive(turn.generationId), false, "the generation ended");
    await assert.rejects(chats.ownedChat(userId, chat.id), { code: "CHAT_NOT_FOUND" });
    assert.deepEqual(await database.db.select().from(generations).where(eq(generations.id, turn.generationId)), []);
    assert.deepEqual(await database.db.select().from(messages).where(eq(messages.chatId, chat.id)), []);
    await settle();
    assert.deepEqual(rejections, [], "the server stays up");
  });

  test("a chat deleted under a running answer (from another instance) ends it quietly", async () => {
    const { chat, turn } = await answering();
    // No stop first: the writer's next insert meets a foreign key whose row is gone.
    await chats.deleteChat(userId, chat.id);
    await runner.stop(turn.generationId).catch(() => undefined);
    for (let i = 0; i < 100 && runner.isLive(turn.generationId); i++) await settle();
    assert.equal(runner.isLive(turn.generationId), false, "the generation ended");
    assert.equal(loaded.stats().active, 0, "its engine slot is free");
    await settle();
    assert.deepEqual(rejections, [], "the server stays up");
  });

  test("disabling a user stops their running answers (services.ts wires auth's onDisabled)", async () => {
    const [grace] = await database.db
      .insert(users)
      .values({ email: "grace@example.com", name: "Grace", passwordHash: "x" })
      .returning();
    const auth = createAuthService(database.db, {
      onDisabled: async (id) => void (await stopUserTurns(services, id)),
    });
    const { chat, turn } = await answering(grace!.id);
    await auth.setDisabled(grace!.id, true);
    assert.equal(runner.isLive(turn.generationId), false);
    assert.equal(await generationLog.statusOf(turn.generationId), "stopped");
    const answer = (await chats.getChat(grace!.id, chat.id)).path.at(-1)!;
    assert.ok(answer.completionTokens! > 0, "what was written is kept");
    assert.deepEqual(await stopUserTurns(services, grace!.id), { stopped: 0, requested: 0 });
  });
});
