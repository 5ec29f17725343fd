import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { codeInput, codeMessages } from "./code";
import { DEFAULT_PROMPTS, fillTemplate, readModelPrompts } from "./prompts";
import { parseCsvTexts, parseLines, resultsToCsv, sentimentInput, splitSentences } from "./sentiment";
import { chunkText, summarizeHierarchically, summarizeInput, summarizeMessages } from "./summarize";
import { languageOffer, translateInput, translateMessages } from "./translate";

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe("prompts", () => {
  test("templates fill known placeholders and keep unknown ones", () => {
    assert.equal(fillTemplate("{a} and {b} and {c}", { a: "1", b: "{c}" }), "1 and {c} and {c}");
  });
  test("a model folder's loom-prompts.json overrides the defaults; a broken one names the file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "loom-prompts-"));
    try {
      assert.deepEqual(readModelPrompts(dir), DEFAULT_PROMPTS);
      writeFileSync(
        path.join(dir, "loom-prompts.json"),
        JSON.stringify({ translate: { user: "<{source}→{target}> {text}" } }),
      );
      const prompts = readModelPrompts(dir);
      assert.equal(prompts.translate.user, "<{source}→{target}> {text}");
      assert.equal(prompts.code.user, DEFAULT_PROMPTS.code.user);
      writeFileSync(path.join(dir, "loom-prompts.json"), "{ nope");
      assert.throws(() => readModelPrompts(dir), /loom-prompts\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("summarize", () => {
  test("input limits and the length wording", () => {
    assert.equal(summarizeInput.safeParse({ text: "  " }).success, false);
    assert.equal(summarizeInput.safeParse({ text: "x".repeat(100_001) }).success, false);
    const messages = summarizeMessages("Text.", "bullets", DEFAULT_PROMPTS);
    assert.equal(messages.at(-1)?.content, "Summarise the following text as a few bullet points.\n\nText.");
  });

  test("a system message may carry the length (as Loom's own models were trained)", () => {
    const prompts = {
      ...DEFAULT_PROMPTS,
      summarize: { system: "Summarize the text {length}.", user: "{text}", lengths: { short: "in one sentence" } },
    };
    assert.deepEqual(summarizeMessages("Text.", "short", prompts), [
      { role: "system", content: "Summarize the text in one sentence." },
      { role: "user", content: "Text." },
    ]);
  });

  test("chunks respect the budget, cut at sentence ends, and lose no words", () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} has six words.`).join(" ");
    const chunks = chunkText(text, 25, words);
    assert.ok(chunks.length > 1);
    for (const c of chunks) {
      assert.ok(words(c) <= 25, c);
      assert.match(c, /words\.$/, "each chunk ends at a sentence end");
    }
    assert.equal(words(chunks.join(" ")), words(text));
  });

  test("a sentence longer than a chunk is cut by words", () => {
    const chunks = chunkText("a ".repeat(50).trim(), 20, words);
    assert.deepEqual(chunks.map(words), [20, 20, 10]);
  });

  test("map-reduce summarises chunks until the rest fits, reporting progress", async () => {
    const text = Array.from({ length: 30 }, (_, i) => `Fact ${i} is here.`).join(" ");
    const progress: string[] = [];
    const { finalInput, rounds } = await summarizeHierarchically({
      text,
      maxInputTokens: 40,
      countTokens: words,
      summarizePiece: async (piece) => `Summary of ${words(piece)} words.`,
      onProgress: (p) => progress.push(`${p.round}:${p.done}/${p.total}`),
    });
    assert.equal(rounds, 1);
    assert.ok(words(finalInput) <= 40);
    assert.equal(progress[0], "1:0/3");
    assert.equal(progress.at(-1), "1:3/3");
  });
});

describe("translate", () => {
  const config = {
    loom: {
      languages: { en: "English", zh: "Chinese", de: "German" },
      translation_pairs: [
        ["en", "zh"],
        ["zh", "en"],
        ["en", "de"],
        ["xx", "en"],
      ],
    },
  };
  test("offers only the pairs the model declares with known languages", () => {
    const offer = languageOffer(config);
    assert.deepEqual(offer.pairs, [
      ["en", "zh"],
      ["zh", "en"],
      ["en", "de"],
    ]);
    assert.deepEqual(languageOffer({}).pairs, []);
  });
  test("the prompt names the languages", () => {
    const messages = translateMessages(
      { text: "Hello", source: "en", target: "de" },
      languageOffer(config),
      DEFAULT_PROMPTS,
    );
    assert.equal(messages.at(-1)?.content, "Translate from English to German:\nHello");
    assert.equal(translateInput.safeParse({ text: "x".repeat(5001), source: "en", target: "de" }).success, false);
  });
});

describe("code", () => {
  test("validates the language and builds the prompt", () => {
    assert.equal(codeInput.safeParse({ code: "x", language: "cobol" }).success, false);
    const input = codeInput.parse({ code: "def add(a, b):", language: "python" });
    assert.equal(input.mode, "inline");
    assert.equal(codeMessages(input, DEFAULT_PROMPTS).at(-1)?.content, "Complete this python code:\ndef add(a, b):");
  });
});

describe("sentiment", () => {
  test("one text per line, blank lines ignored", () => {
    assert.deepEqual(parseLines("good\n\n  bad  \r\nmeh"), ["good", "bad", "meh"]);
  });
  test("CSV: the named column with quoted commas and newlines; headerless uses the first column", () => {
    const csv = 'id,review,stars\n1,"Great, really great",5\n2,"Bad\nvery bad",1\n';
    assert.deepEqual(parseCsvTexts(csv), ["Great, really great", "Bad\nvery bad"]);
    assert.deepEqual(parseCsvTexts("loved it,5\nhated it,1\n"), ["loved it", "hated it"]);
  });
  test("limits on count and size", () => {
    assert.equal(sentimentInput.safeParse({ texts: [] }).success, false);
    assert.equal(sentimentInput.safeParse({ texts: Array(201).fill("x") }).success, false);
    assert.equal(sentimentInput.safeParse({ texts: ["x".repeat(5001)] }).success, false);
  });
  test("sentences and result CSV", () => {
    assert.deepEqual(splitSentences("I liked the food. The service was slow! Would I return?"), [
      "I liked the food.",
      "The service was slow!",
      "Would I return?",
    ]);
    const csv = resultsToCsv([
      { text: 'Say "hi", ok', label: "positive", score: 0.9, scores: { positive: 0.9, negative: 0.1 } },
      { text: "مرحبا", label: null, score: null, scores: {}, unsupportedLanguage: { code: "ar", name: "Arabic" } },
    ]);
    assert.equal(
      csv,
      "text,label,confidence,p_negative,p_positive,note\n" +
        '"Say ""hi"", ok",positive,0.9000,0.1000,0.9000,\n' +
        "مرحبا,,,,,Arabic: not a language this model knows\n",
    );
  });
});

describe("chat", () => {
  test("titles come from the first line, cut at a word", async () => {
    const { titleFrom } = await import("./chat");
    assert.equal(titleFrom("  How do I bake bread?\nI have flour."), "How do I bake bread?");
    assert.equal(titleFrom("word ".repeat(30)), "word word word word word word word word word word word word…");
    assert.equal(titleFrom("   "), "New chat");
  });

  test("the conversation is trimmed from the oldest turn to fit, keeping the system prompt and the last turn", async () => {
    const { fitConversation } = await import("./chat");
    const turns = [
      { role: "user" as const, text: "one two three" },
      { role: "assistant" as const, text: "four five" },
      { role: "user" as const, text: "six" },
    ];
    const count = (ms: { content: unknown }[]) => ms.reduce((n, m) => n + words(String(m.content)), 0);
    const prompts = { ...DEFAULT_PROMPTS, chat: { system: "be brief" } };
    assert.equal(fitConversation(turns, prompts, 100, count).length, 4);
    const fitted = fitConversation(turns, prompts, 5, count);
    assert.deepEqual(
      fitted.map((m) => m.content),
      ["be brief", "four five", "six"],
    );
    assert.deepEqual(
      fitConversation(turns, prompts, 1, count).map((m) => m.content),
      ["be brief", "six"],
      "the last turn stays even over budget (the engine then reports the prompt as too long)",
    );
  });
});

describe("prompts in the training recipe's messages form", () => {
  test("system and user messages become the task's wording", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "loom-prompts-"));
    try {
      writeFileSync(
        path.join(dir, "loom-prompts.json"),
        JSON.stringify({
          chat: {
            messages: [
              { role: "system", content: "Be Loom." },
              { role: "user", content: "{message}" },
            ],
          },
          code: {
            messages: [
              { role: "system", content: "Complete." },
              { role: "user", content: "{code_before_cursor}" },
            ],
          },
        }),
      );
      const prompts = readModelPrompts(dir);
      assert.equal(prompts.chat.system, "Be Loom.");
      assert.deepEqual(codeMessages({ code: "x = 1", language: "python" }, prompts), [
        { role: "system", content: "Complete." },
        { role: "user", content: "x = 1" },
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

test("placeholders in a system message are filled too", () => {
  const prompts = { ...DEFAULT_PROMPTS, translate: { system: "Translate from {source} to {target}.", user: "{text}" } };
  const offer = languageOffer({
    loom: { languages: { en: "English", de: "German" }, translation_pairs: [["en", "de"]] },
  });
  assert.deepEqual(translateMessages({ text: "Hi", source: "en", target: "de" }, offer, prompts), [
    { role: "system", content: "Translate from English to German." },
    { role: "user", content: "Hi" },
  ]);
});
