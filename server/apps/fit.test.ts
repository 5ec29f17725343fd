// The property: no request any app builds ever reaches the engine over its context. Random inputs
// (random lengths up to each app's character limit; English, CJK, emoji, combining marks, code,
// odd whitespace) through every app's prompt preparation, for every shipped causal LM and the
// engine's fixture models, each with its own tokenizer and chat template. Each prompt + its
// answer's room fits the context, or the input is refused with a 413 before anything streams.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isPublicError } from "../http-error";
import { createRandom, type LoadedCausalLM } from "../inference";
import { describeLocalModel, remoteTokenEstimate, type ModelDescription } from "./model-description";
import { countMessageTokens, promptBudget } from "./budget";
import { chatDecoding, fitChatPrompt, fitConversation, measureMessage, type TextTurn } from "./chat";
import { codeDecoding, fitCodeMessages } from "./code";
import type { Decoding } from "./decoding";
import { INPUT_LIMITS } from "./limits";
import type { PromptContext } from "./one-shot-app";
import { zeroShotSentiment } from "./sentiment-zero-shot";
import { SUMMARY_LENGTHS, summarizeApp } from "./summarize";
import { translateApp } from "./translate";
import { loadCausalModels } from "./test-models";

const PIECES = [
  "The committee met on Tuesday to discuss the budget. ",
  "Prices rose by 3.5% in the last quarter, analysts said. ",
  "我们明天去公园散步。",
  "天气很好，大家都很高兴！",
  "Ich habe das Buch noch nicht gelesen. ",
  "Émile a trouvé ça très drôle… ",
  "😀🎉👩‍👩‍👧 ",
  "e\u0301\u0308 ",
  "function add(a: number, b: number) {\n  return a + b;\n}\n",
  "    if x is None:\n        raise ValueError('x')\n",
  "\n\n",
  "\t",
  "averyveryveryverylongwordwithoutanyspacesatall",
  "{ [ ( ) ] } => ;; ",
];

/** A random text of about `maxChars` at most, mostly short, sometimes near the limit. */
function randomText(random: () => number, maxChars: number): string {
  const target = Math.max(1, Math.floor(maxChars * random() ** 3));
  let text = "";
  while (text.length < target) text += PIECES[Math.floor(random() * PIECES.length)];
  return text.slice(0, target).trim() || "x";
}

function assertFits(model: ModelDescription, tokens: number, decoding: Decoding, where: string) {
  assert.ok(tokens <= promptBudget(model, decoding), `${model.id} ${where}: ${tokens} tokens over its budget`);
  assert.ok(tokens < model.maxPositions, `${model.id} ${where}: the engine would refuse ${tokens} tokens`);
}

/** A 413 with a code and a message naming the model's context, or the test fails. */
function assertRefusal(error: unknown, model: ModelDescription) {
  assert.ok(isPublicError(error), String(error));
  assert.equal(error.httpStatus, 413);
  // Some refusals print the context as "1,024", others as "1024".
  const context = `(${model.maxPositions}|${model.maxPositions.toLocaleString("en")})`;
  assert.match(error.message, new RegExp(`${context} tokens`));
}

describe("every prompt fits its model", () => {
  let models: LoadedCausalLM[];
  before(async () => {
    models = await loadCausalModels();
  });
  after(async () => {
    await Promise.all(models.map((m) => m.dispose()));
  });

  test("chat: newest turns first, the answer's room within the context, or a refusal", () => {
    const random = createRandom(1);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      const count = (m: Parameters<typeof countMessageTokens>[1]) => countMessageTokens(model, m);
      for (let i = 0; i < 40; i++) {
        const turns: TextTurn[] = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, t) => ({
          role: t % 2 === 0 ? "user" : "assistant",
          text: randomText(random, INPUT_LIMITS.chatMessage / (random() < 0.3 ? 1 : 10)),
        }));
        if (turns.at(-1)!.role !== "user") turns.pop();
        const size = measureMessage(turns.at(-1)!.text, prompts, model.maxPositions, count);
        if (size.tokens > size.maxTokens) continue; // refused before it is stored (chat-turn.test.ts)
        const { messages, decoding } = fitChatPrompt(turns, prompts, model);
        const tokens = count(messages);
        assert.ok(tokens + decoding.maxOutputTokens! <= model.maxPositions, `${model.id}: ${tokens} tokens`);
        assert.ok(decoding.maxOutputTokens! >= 64 && decoding.maxOutputTokens! <= chatDecoding.maxOutputTokens!);
        assert.equal(String(messages.at(-1)!.content), turns.at(-1)!.text, "the newest message is kept whole");
      }
    }
  });

  test("chat: fitting keeps exactly the longest suffix that fits, with O(turns) token counts", () => {
    // The definition fitConversation must keep (decision 034): the smallest start whose exact
    // count fits (the newest turn always kept), as the loop over every start computed it.
    const reference = (
      turns: TextTurn[],
      prompts: ModelDescription["prompts"],
      budget: number,
      model: ModelDescription,
    ) => {
      const system = prompts.chat.system ? [{ role: "system" as const, content: prompts.chat.system }] : [];
      const all = turns.map(
        (t) => ({ role: t.role, content: t.text }) as Parameters<typeof countMessageTokens>[1][number],
      );
      for (let start = 0; start < all.length; start++) {
        const candidate = [...system, ...all.slice(start)];
        if (countMessageTokens(model, candidate) <= budget || start === all.length - 1) return candidate;
      }
      return system;
    };
    const random = createRandom(7);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const budget = promptBudget(model, chatDecoding);
      for (let i = 0; i < 12; i++) {
        // Long conversations, most of which must be dropped: turns of up to 600 characters per
        // 384 tokens of context, so a bigger context keeps a similar share of them.
        const length = 10 + Math.floor(random() * 30);
        const turnChars = Math.max(600, Math.round((600 * model.maxPositions) / 384));
        const turns: TextTurn[] = Array.from({ length }, (_, t) => ({
          role: t % 2 === 0 ? "user" : "assistant",
          text: randomText(random, turnChars),
        }));
        if (turns.at(-1)!.role !== "user") turns.pop();
        let calls = 0;
        let encoded = 0;
        const counted = (m: Parameters<typeof countMessageTokens>[1]) => {
          calls++;
          encoded += m.reduce((n, x) => n + String(x.content).length, 0);
          return countMessageTokens(model, m);
        };
        const fitted = fitConversation(turns, model.prompts, budget, counted);
        assert.deepEqual(fitted, reference(turns, model.prompts, budget, model), `${model.id}: the same turns kept`);
        // The whole conversation, the frame, each turn once, and a few exact checks of what is
        // kept: each turn's text is tokenised a bounded number of times, not once per start.
        const chars = turns.reduce((n, t) => n + t.text.length, 0);
        const systemChars = model.prompts.chat.system?.length ?? 0;
        assert.ok(calls <= turns.length + 6, `${model.id}: ${calls} token counts for ${turns.length} turns`);
        assert.ok(
          encoded <= 4 * chars + calls * systemChars,
          `${model.id}: ${encoded} characters tokenised for a conversation of ${chars}`,
        );
      }
    }
  });

  test("code: the window fits, whatever is before the cursor", () => {
    const random = createRandom(2);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      for (let i = 0; i < 40; i++) {
        const mode = random() < 0.5 ? "inline" : "block";
        const code = randomText(random, INPUT_LIMITS.codeContext);
        const { messages } = fitCodeMessages({ code, language: "typescript", mode }, model, prompts);
        assertFits(model, countMessageTokens(model, messages), codeDecoding[mode], `code ${code.length} chars`);
      }
    }
  });

  test("summarise: every map prompt and the final one fit, even when a piece's summary does not shrink", async () => {
    const random = createRandom(3);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      for (let i = 0; i < 12; i++) {
        const length = SUMMARY_LENGTHS[i % 3]!;
        const text = randomText(random, i % 4 === 0 ? INPUT_LIMITS.summarizeText : 6_000);
        const app = summarizeApp({ text, length });
        // The worst "model": its summary of a piece is the piece (or half of it), so nothing
        // converges by itself; the plan must still end, with prompts that fit.
        const echo = i % 2 === 0;
        const context: PromptContext = {
          model,
          prompts,
          progress: () => {},
          describe: () => {},
          complete: async (messages, decoding) => {
            assertFits(model, countMessageTokens(model, messages), decoding, "map prompt");
            const piece = String(messages.at(-1)!.content);
            return echo ? piece : piece.slice(0, piece.length / 2);
          },
        };
        const messages = await app.prepare(context);
        assertFits(model, countMessageTokens(model, messages), app.decoding, `summary of ${text.length} chars`);
      }
    }
  });

  test("translate: a text the model cannot read is refused with a 413 naming its context", async () => {
    const random = createRandom(4);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      let refused = 0;
      for (let i = 0; i < 30; i++) {
        const text = randomText(random, INPUT_LIMITS.translateText);
        const app = translateApp({ text, source: "en", target: "de" });
        const context: PromptContext = {
          model,
          prompts,
          progress: () => {},
          describe: () => {},
          complete: async () => "",
        };
        try {
          const messages = await app.prepare(context);
          assertFits(model, countMessageTokens(model, messages), app.decoding, "translation");
        } catch (error) {
          if (isPublicError(error) && error.code === "PAIR_NOT_SUPPORTED") break; // a model without pairs
          assertRefusal(error, model);
          refused++;
        }
      }
      if (model.id === "loom-chat") assert.ok(refused > 0, "some random texts are over the context");
    }
  });

  test("a remote model's token estimate is never under a real tokenizer's count", () => {
    const random = createRandom(6);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      for (let i = 0; i < 40; i++) {
        const messages = fitConversation(
          [{ role: "user", text: randomText(random, 4_000) }],
          model.prompts,
          Number.MAX_SAFE_INTEGER,
          model.countTokens,
        );
        const [real, estimate] = [model.countTokens(messages), remoteTokenEstimate(messages)];
        assert.ok(estimate >= real, `${model.id}: estimated ${estimate}, counted ${real}`);
      }
    }
  });

  test("sentiment without a classifier: long texts are read from their start, never over the context", async () => {
    const random = createRandom(5);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      const texts = Array.from({ length: 6 }, (_, i) =>
        randomText(random, i === 0 ? INPUT_LIMITS.sentimentTextChars * 4 : INPUT_LIMITS.sentimentTextChars),
      );
      const results = await zeroShotSentiment(loaded, texts, prompts);
      for (const r of results) assert.ok(r.tokens! < model.maxPositions, `${model.id}: ${r.tokens} tokens`);
    }
  });
});
