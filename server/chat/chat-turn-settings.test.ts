// A chat's settings reach the engine: its system prompt is the first message of the prompt the
// model receives (and is counted against the context), its temperature and top-p are the call's,
// and its max tokens bounds the stored answer. Real engine (the tiny fixture), real database; the
// registry is reduced to the one model it would resolve.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, mock, test } from "node:test";
import { fileURLToPath } from "node:url";
import { wrapLanguageModel, type LanguageModelMiddleware } from "ai";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { logger } from "../logger";
import { createRunRecorder } from "../usage/runs";
import { createChatStore, type ChatStore } from "./chat-store";
import { startChatTurn, type ChatTurnServices } from "./chat-turn";
import { createGenerationLog, type GenerationLog } from "./generation-log";
import { createGenerationRunner } from "./generation-runner";
import { describeLocalModel } from "../apps/model-description";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));

type CallOptions = Parameters<NonNullable<LanguageModelMiddleware["transformParams"]>>[0]["params"];

describe("chat turn with the chat's settings", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let chats: ChatStore;
  let services: ChatTurnServices;
  let generationLog: GenerationLog;
  let userId: string;
  /** What the engine was called with, as the AI SDK hands it to the model. */
  const calls: CallOptions[] = [];

  before(async () => {
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    const model = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: [
        {
          specificationVersion: "v3",
          transformParams: async ({ params }) => {
            calls.push(params);
            return params;
          },
        },
        // Then greedy: sampled, the tiny random model may write U+0000, which jsonb refuses.
        { specificationVersion: "v3", transformParams: async ({ params }) => ({ ...params, temperature: 0 }) },
      ],
    });
    chats = createChatStore(database.db);
    generationLog = createGenerationLog(database.db, { flushIntervalMs: 10 });
    const runner = createGenerationRunner({
      log: generationLog,
      store: chats,
      runs: createRunRecorder(database.db),
      logger,
    });
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
      .values({ email: "s@example.com", name: "S", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await loaded.dispose();
    await database.close();
  });

  const answerTo = async (chatId: string, text: string) => {
    const turn = await startChatTurn(services, userId, {
      chatId,
      parentId: null,
      message: { id: randomUUID(), text },
    });
    for await (const e of generationLog.follow(turn.generationId, 0)) void e;
    return (await chats.getChat(userId, chatId)).path.at(-1)!;
  };

  test("the system prompt leads the prompt; temperature, top-p and max tokens are the call's; the answer is bounded", async () => {
    // The AI SDK warns on the console about a system message in `messages`; the prompt is ours.
    const warn = mock.method(console, "warn", () => {});
    const settings = { systemPrompt: "Reply like a pirate.", temperature: 1.3, topP: 0.42, maxTokens: 3 };
    const chat = await chats.createChat(userId, "Pirate", { settings });
    calls.length = 0;
    const answer = await answerTo(chat.id, "Hello");
    warn.mock.restore();

    assert.equal(calls.length, 1);
    const [call] = calls;
    const first = call!.prompt[0]!;
    assert.deepEqual([first.role, first.content], ["system", "Reply like a pirate."]);
    assert.equal(call!.temperature, 1.3);
    assert.equal(call!.topP, 0.42);
    assert.equal(call!.maxOutputTokens, 3);
    assert.ok(answer.completionTokens! >= 1 && answer.completionTokens! <= 3, `${answer.completionTokens} tokens`);

    // Another chat, no settings of its own: Loom's defaults and the model's own system prompt.
    const plain = await chats.createChat(userId, "Plain");
    calls.length = 0;
    const warnAgain = mock.method(console, "warn", () => {});
    const longer = await answerTo(plain.id, "Hello");
    warnAgain.mock.restore();
    assert.notEqual(calls[0]!.prompt[0]!.content, "Reply like a pirate.");
    assert.equal(calls[0]!.temperature, 0.7);
    assert.ok(longer.completionTokens! > 3, `${longer.completionTokens} tokens`);
  });

  test("a system prompt the model cannot take with a message is refused before anything is stored", async () => {
    const systemPrompt = "Always be exceedingly thorough and polite. ".repeat(90);
    const chat = await chats.createChat(userId, "Too long", {
      settings: { systemPrompt, temperature: 0.7, topP: 0.9, maxTokens: 16 },
    });
    await assert.rejects(
      startChatTurn(services, userId, { chatId: chat.id, parentId: null, message: { id: randomUUID(), text: "Hi" } }),
      (error: { httpStatus: number; code: string; message: string }) => {
        assert.equal(error.httpStatus, 400);
        assert.equal(error.code, "SYSTEM_PROMPT_TOO_LONG");
        assert.match(error.message, new RegExp(`Tiny Llama reads ${loaded.maxPositions} tokens in all`));
        return true;
      },
    );
    assert.equal((await chats.getChat(userId, chat.id)).path.length, 0);
  });
});
