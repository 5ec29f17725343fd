// A chat's limits under its settings (decision 035), with the shipped loom-chat (1,024 positions,
// answers up to 512 tokens) and the tiny fixture (256, answers up to 128): max tokens read as at most the model's
// answer limit, and the composer's limit shrinking with a longer system prompt and a larger answer
// room, by the rule the turn refuses with (measureMessage with the chat's answer room).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ModelMessage } from "ai";
import { loadCausalLM, type LoadedCausalLM } from "../inference";
import { countMessageTokens, outputRoom } from "./budget";
import { chatInputLimit, measureMessage, MIN_ANSWER_TOKENS, withSystemPrompt } from "./chat";
import { chatLimits, settingsForModel } from "./chat-limits";
import { chatDecodingOf, DEFAULT_CHAT_SETTINGS } from "./chat-settings";
import { describeLocalModel, type ModelDescription } from "./model-description";

const dir = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

describe("chat limits under a chat's settings", () => {
  let loaded: LoadedCausalLM[];
  let loomChat: ModelDescription;
  let tiny: ModelDescription;
  before(async () => {
    loaded = await Promise.all(
      ["../../models/loom-chat/", "../inference/__fixtures__/tiny-llama/"].map((d) =>
        loadCausalLM(dir(d), { session: { device: "cpu" } }),
      ),
    );
    [loomChat, tiny] = loaded.map((m) => describeLocalModel(m)) as [ModelDescription, ModelDescription];
  });
  after(async () => {
    await Promise.all(loaded.map((m) => m.dispose()));
  });

  test("Loom's default max tokens (256) reads as a small model's limit (the fixture's 128), said; one within it is kept", () => {
    assert.equal(tiny.maxPositions, 256);
    assert.deepEqual(settingsForModel(DEFAULT_CHAT_SETTINGS, tiny), {
      settings: { ...DEFAULT_CHAT_SETTINGS, maxTokens: 128 },
      maxTokensLimit: 128,
    });
    const chosen = { ...DEFAULT_CHAT_SETTINGS, maxTokens: 100 };
    assert.deepEqual(settingsForModel(chosen, tiny), { settings: chosen });
    assert.deepEqual(settingsForModel({ ...chosen, maxTokens: 128 }, tiny), {
      settings: { ...chosen, maxTokens: 128 },
    });
    // loom-chat (1,024 positions) answers up to 512 tokens: the default stands as it is.
    assert.equal(loomChat.maxPositions, 1024);
    assert.deepEqual(settingsForModel(DEFAULT_CHAT_SETTINGS, loomChat), { settings: DEFAULT_CHAT_SETTINGS });
  });

  test("the limit is the context less the system prompt's frame and the chat's answer room", () => {
    for (const model of [loomChat, tiny]) {
      const count = (m: ModelMessage[]) => countMessageTokens(model, m);
      for (const settings of [
        DEFAULT_CHAT_SETTINGS,
        { ...DEFAULT_CHAT_SETTINGS, maxTokens: 8 },
        { ...DEFAULT_CHAT_SETTINGS, maxTokens: 100, systemPrompt: "You are a helpful assistant. ".repeat(4) },
      ]) {
        const { settings: read, inputLimit } = chatLimits(settings, model);
        const prompts = withSystemPrompt(model.prompts, read.systemPrompt);
        // An empty system prompt is the model's own (loom-prompts.json): it counts all the same.
        const systemText = prompts.chat.system;
        const system: ModelMessage[] = systemText ? [{ role: "system", content: systemText }] : [];
        const frame = count([...system, { role: "user", content: "" }]);
        const room = Math.max(MIN_ANSWER_TOKENS, outputRoom(model, chatDecodingOf(read)));
        assert.equal(inputLimit.tokens, model.maxPositions - frame - room, JSON.stringify(settings));
        // The turn's measure (what it refuses by) gives the same most.
        assert.equal(measureMessage("hi", prompts, model.maxPositions, count, room).maxTokens, inputLimit.tokens);
        assert.ok(inputLimit.chars > 0);
      }
    }
  });

  test("a long system prompt and a larger max tokens shrink the limit (without them it is the old one)", () => {
    const plain = chatLimits({ ...DEFAULT_CHAT_SETTINGS, maxTokens: 64 }, loomChat).inputLimit;
    // Max tokens 64 is the least answer room: the limit without settings, as before this change.
    assert.deepEqual(plain, chatInputLimit(loomChat.prompts, loomChat, { maxOutputTokens: 1 }));
    const roomier = chatLimits({ ...DEFAULT_CHAT_SETTINGS, maxTokens: 192 }, loomChat).inputLimit;
    assert.equal(roomier.tokens, plain.tokens - (192 - 64));
    const systemPrompt = "Please be very kind and thorough, and explain every step. ".repeat(3);
    const prompted = chatLimits({ ...DEFAULT_CHAT_SETTINGS, maxTokens: 64, systemPrompt }, loomChat).inputLimit;
    assert.ok(prompted.tokens < plain.tokens - 30, `${prompted.tokens} vs ${plain.tokens}`);
    assert.ok(prompted.chars < plain.chars, `${prompted.chars} vs ${plain.chars}`);
  });
});
