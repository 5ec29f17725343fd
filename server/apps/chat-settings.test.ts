// Chat settings: the schema's ranges and messages (form strings and JSON numbers alike), the checks
// against each shipped causal LM and fixture (max tokens within half the context, a system prompt
// that leaves room for a message and an answer), and the prompt a chat builds with them: its system
// prompt first, counted against the budget, its max tokens bounding the answer's room.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isPublicError } from "../http-error";
import type { LoadedCausalLM } from "../inference";
import { countMessageTokens, promptBudget } from "./budget";
import { fitChatPrompt, measureMessage, withSystemPrompt } from "./chat";
import {
  chatDecodingOf,
  chatSettingsOf,
  chatSettingsSchema,
  chatSettingsSummary,
  DEFAULT_CHAT_SETTINGS,
} from "./chat-settings";
import { assertSettingsFitModel, maxAnswerTokens, measureSystemPrompt } from "./chat-settings-fit";
import { readModelPrompts } from "./prompts";
import { describeLocalModel } from "./model-description";
import { loadCausalModels } from "./test-models";

const firstError = (input: unknown) => {
  const parsed = chatSettingsSchema.safeParse(input);
  return parsed.success ? undefined : parsed.error.issues[0]!.message;
};

describe("chat settings schema", () => {
  const valid = { systemPrompt: "  Be terse.  ", temperature: 0.2, topP: 0.5, maxTokens: 64 };

  test("valid settings, from JSON numbers or form strings, trimmed", () => {
    assert.deepEqual(chatSettingsSchema.parse(valid), { ...valid, systemPrompt: "Be terse." });
    const form = { systemPrompt: "", temperature: "0", topP: "1", maxTokens: "1" };
    assert.deepEqual(chatSettingsSchema.parse(form), { systemPrompt: "", temperature: 0, topP: 1, maxTokens: 1 });
  });

  test("out of range, not a number, not whole: the field named with its range", () => {
    assert.equal(firstError({ ...valid, temperature: 2.5 }), "Temperature must be between 0 and 2.");
    assert.equal(firstError({ ...valid, temperature: -0.1 }), "Temperature must be between 0 and 2.");
    assert.equal(firstError({ ...valid, topP: 0 }), "Top-p must be between 0.01 and 1.");
    assert.equal(firstError({ ...valid, topP: 1.5 }), "Top-p must be between 0.01 and 1.");
    assert.equal(firstError({ ...valid, maxTokens: 0 }), "Max tokens must be between 1 and 4096.");
    assert.equal(firstError({ ...valid, maxTokens: 5000 }), "Max tokens must be between 1 and 4096.");
    assert.equal(firstError({ ...valid, maxTokens: 12.5 }), "Max tokens must be a whole number.");
    assert.equal(firstError({ ...valid, temperature: "" }), "Temperature must be a number.");
    assert.equal(firstError({ ...valid, temperature: "hot" }), "Temperature must be a number.");
  });

  test("a system prompt over 4,000 characters, or one the database cannot store, is refused", () => {
    assert.equal(
      firstError({ ...valid, systemPrompt: "a".repeat(4001) }),
      "The system prompt is limited to 4,000 characters.",
    );
    assert.equal(
      firstError({ ...valid, systemPrompt: "a\u0000b" }),
      "System prompt contains characters that cannot be stored.",
    );
  });

  test("stored settings read leniently; the header's summary", () => {
    assert.deepEqual(chatSettingsOf(null), DEFAULT_CHAT_SETTINGS);
    assert.deepEqual(chatSettingsOf({ temperature: 1.2 }), { ...DEFAULT_CHAT_SETTINGS, temperature: 1.2 });
    assert.equal(chatSettingsSummary(DEFAULT_CHAT_SETTINGS), "T 0.7 · top-p 0.9 · 256 tokens");
    assert.equal(
      chatSettingsSummary({ ...DEFAULT_CHAT_SETTINGS, systemPrompt: "x" }),
      "T 0.7 · top-p 0.9 · 256 tokens · system prompt",
    );
  });
});

describe("chat settings with each model", () => {
  let models: LoadedCausalLM[];
  // What the chat turn reads (the description), with the engine's own encoding beside it.
  const described = () =>
    models.map((m) => ({ ...describeLocalModel(m), dir: m.dir, encodePrompt: m.encodePrompt.bind(m) }));
  before(async () => {
    models = await loadCausalModels();
  });
  after(async () => {
    await Promise.all(models.map((m) => m.dispose()));
  });

  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      assert.ok(isPublicError(error), String(error));
      assert.equal(error.httpStatus, 400);
      return { code: error.code, message: error.message };
    }
    assert.fail("not refused");
  };

  test("max tokens: up to half the context; more is refused with the limit", () => {
    for (const model of described()) {
      const limit = maxAnswerTokens(model);
      assert.equal(limit, Math.floor(model.maxPositions / 2));
      assertSettingsFitModel({ ...DEFAULT_CHAT_SETTINGS, maxTokens: limit }, model, model.id);
      const { code, message } = refusal(() =>
        assertSettingsFitModel({ ...DEFAULT_CHAT_SETTINGS, maxTokens: limit + 1 }, model, "M"),
      );
      assert.equal(code, "MAX_TOKENS_TOO_LARGE");
      assert.equal(
        message,
        `Max tokens is at most ${limit} with M: it reads ${model.maxPositions} tokens in all, and an answer may take up to half of them.`,
      );
    }
  });

  test("a system prompt that leaves no room for a message is refused with its limit; the limit itself passes", () => {
    for (const model of described()) {
      const long = "Always answer in the style of a pirate. ".repeat(200);
      const size = measureSystemPrompt(long, model);
      assert.ok(size.tokens > size.maxTokens, model.id);
      const { code, message } = refusal(() =>
        assertSettingsFitModel({ ...DEFAULT_CHAT_SETTINGS, maxTokens: 1, systemPrompt: long }, model, "M"),
      );
      assert.equal(code, "SYSTEM_PROMPT_TOO_LONG");
      assert.match(
        message,
        new RegExp(
          `^The system prompt is ${size.tokens} tokens; M reads ${model.maxPositions} tokens in all, .* at most ${size.maxTokens} \\(about [\\d,]+ characters`,
        ),
      );
      // The longest prefix that fits is accepted, and then a message still fits with an answer's room.
      let words = long.split(" ");
      while (measureSystemPrompt(words.join(" "), model).tokens > size.maxTokens) words = words.slice(0, -1);
      const fitting = words.join(" ");
      assertSettingsFitModel({ ...DEFAULT_CHAT_SETTINGS, maxTokens: 1, systemPrompt: fitting }, model, "M");
      const prompts = withSystemPrompt(readModelPrompts(model.dir), fitting);
      const count = (m: Parameters<typeof countMessageTokens>[1]) => countMessageTokens(model, [...m]);
      assert.ok(measureMessage("hi", prompts, model.maxPositions, count).maxTokens >= 1, model.id);
    }
  });

  test("the prompt the engine receives starts with the chat's system prompt, and max tokens bounds the answer", () => {
    for (const model of described()) {
      const settings = { systemPrompt: "Answer only with numbers.", temperature: 0, topP: 0.5, maxTokens: 7 };
      const prompts = withSystemPrompt(readModelPrompts(model.dir), settings.systemPrompt);
      const turns = [{ role: "user" as const, text: "How many legs has a spider?" }];
      const { messages, decoding } = fitChatPrompt(turns, prompts, model, chatDecodingOf(settings));
      assert.deepEqual(messages[0], { role: "system", content: "Answer only with numbers." }, model.id);
      assert.deepEqual(decoding, { temperature: 0, topP: 0.5, maxOutputTokens: 7 });
      // The engine's own encoding of that prompt holds the system prompt's tokens.
      const encoded = model.encodePrompt({
        messages: messages.map((m) => ({ role: m.role, content: String(m.content) })),
      });
      const alone = model.encodePrompt({ messages: [{ role: "user", content: turns[0]!.text }] });
      assert.ok(encoded.length > alone.length, model.id);
    }
  });

  test("the system prompt counts against the budget: older turns give way to it", () => {
    for (const model of described()) {
      const settings = { ...DEFAULT_CHAT_SETTINGS, maxTokens: 32 };
      const turns = Array.from({ length: 40 }, (_, i) => ({
        role: i % 2 ? ("assistant" as const) : ("user" as const),
        text: `Turn ${i}: the weather was fine and we walked along the river for a while.`,
      }));
      const plain = fitChatPrompt(turns, readModelPrompts(model.dir), model, chatDecodingOf(settings));
      const system = "You are a careful assistant who explains every step in plain words. ".repeat(3);
      const withSystem = fitChatPrompt(
        turns,
        withSystemPrompt(readModelPrompts(model.dir), system),
        model,
        chatDecodingOf(settings),
      );
      assert.equal(withSystem.messages[0]!.content, system, model.id);
      assert.ok(
        withSystem.messages.length < plain.messages.length,
        `${model.id}: fewer turns with a long system prompt`,
      );
      assert.ok(
        countMessageTokens(model, withSystem.messages) <= promptBudget(model, chatDecodingOf(settings)),
        model.id,
      );
    }
  });
});
