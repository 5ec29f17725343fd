// Summaries: an article of ~140–230 words is one prompt (no pieces) for loom-chat, the real model
// summarises a long text to an end, and the answer is shaped: bullets are bullets, "short" is one
// sentence, a repeated sentence ends it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { streamText } from "ai";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { countMessageTokens, promptBudget } from "./budget";
import type { PromptContext } from "./one-shot-app";
import { describeLocalModel, type ModelDescription } from "./model-description";
import { summarizeApp, summaryTextBudget } from "./summarize";
import { shapeSummary } from "./summary-shape";

const loomChat = fileURLToPath(new URL("../../models/loom-chat/", import.meta.url));

// A news-style paragraph of 60 words; articles below repeat it with numbers changed.
const PARAGRAPH =
  "The city council approved a new plan for public transport on Monday, after months of debate. " +
  "The plan adds night buses on six routes and lowers fares for students and older people. " +
  "Officials said the changes would cost about 12 million pounds a year, paid for by a parking levy. " +
  "Critics argued that the levy would hurt small shops in the centre.";

const article = (words: number) => {
  const all = Array.from({ length: 30 }, (_, i) => PARAGRAPH.replace("six", String(i + 6))).join(" ");
  return all.split(" ").slice(0, words).join(" ");
};

describe("summarise with loom-chat", () => {
  let loaded: LoadedCausalLM;
  let model: ModelDescription;
  before(async () => {
    loaded = await loadCausalLM(loomChat, { session: { device: "cpu" } });
    model = describeLocalModel(loaded);
  });
  after(async () => loaded.dispose());

  const contextOf = (onComplete: () => void): PromptContext => {
    const languageModel = createLoomLanguageModel(loaded);
    return {
      model,
      prompts: model.prompts,
      progress: () => {},
      describe: () => {},
      complete: async (messages, decoding) => {
        onComplete();
        assert.ok(countMessageTokens(model, messages) <= promptBudget(model, decoding));
        return streamText({ model: languageModel, messages, allowSystemInMessages: true, ...decoding }).text;
      },
    };
  };

  test("an article of up to ~150 words is summarised in one prompt, in every length", async () => {
    for (const length of ["short", "medium", "bullets"] as const) {
      assert.ok(summaryTextBudget(model, length, model.prompts) > 0);
      let pieces = 0;
      const messages = await summarizeApp({ text: article(150), length }).prepare(contextOf(() => pieces++));
      assert.equal(pieces, 0, `${length}: a 150-word article was split`);
      assert.ok(String(messages.at(-1)!.content).startsWith("The city council"));
    }
  });

  test("a long text goes through real map rounds to a final prompt that fits", async () => {
    let pieces = 0;
    // 1,800 words (~2,300 tokens): over loom-chat's 1,024-token context more than twice.
    const app = summarizeApp({ text: article(1800), length: "medium" });
    const messages = await app.prepare(contextOf(() => pieces++));
    assert.ok(pieces >= 2);
    assert.ok(countMessageTokens(model, messages) <= promptBudget(model, app.decoding));
  });
});

describe("summary shape", () => {
  test("bullets are bullet lines even when the model writes sentences", () => {
    assert.deepEqual(shapeSummary("The plan adds buses. Fares fall for students.", "bullets", true), {
      text: "- The plan adds buses.\n- Fares fall for students.",
      done: true,
    });
    assert.equal(shapeSummary("- Buses.\n* Fares.\n", "bullets", true).text, "- Buses.\n- Fares.");
  });

  test('"short" ends after its first sentence; a repeated sentence ends any length', () => {
    assert.deepEqual(shapeSummary("The plan passed. It adds buses", "short", false), {
      text: "The plan passed.",
      done: true,
    });
    const looping = "The plan passed. The plan passed. The plan passed.";
    assert.deepEqual(shapeSummary(looping, "medium", false), { text: "The plan passed.", done: true });
    // An unfinished sentence is not shown until it is.
    assert.deepEqual(shapeSummary("The plan pass", "medium", false), { text: "", done: false });
  });
});
