// The evaluation runs the shipped models (models/loom-chat, models/loom-sentiment) through the
// engine on a few rows written here (the real validation split comes from the data sets, which
// are not part of the repository). Quality is not asserted: bookkeeping, prompts and the
// cross-checks against independent computations are.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCausalLM, loadClassifier, type LoadedCausalLM, type LoadedClassifier } from "../inference/index";
import { repoRoot } from "../inference/test-helpers";
import {
  evaluateCode,
  evaluatePerplexity,
  evaluateSentiment,
  evaluateSummaries,
  evaluateTranslation,
  greedyReply,
  QUICK,
} from "./evaluate";
import { rouge } from "./metrics";
import { readValidationSplit, ValidationSplitError, type ChatRow } from "./validation-split";

const chatDir = path.join(repoRoot, "models", "loom-chat");
const sentimentDir = path.join(repoRoot, "models", "loom-sentiment");
const quiet = { info() {}, warn() {} };

const system = (content: string) => ({ role: "system" as const, content });
const user = (content: string) => ({ role: "user" as const, content });
const assistant = (content: string) => ({ role: "assistant" as const, content });

const translateRow = (pair: [string, string], names: [string, string], text: string, ref: string): ChatRow => ({
  task: "translate",
  source: pair.includes("zh") ? "tatoeba-en-zh" : "tatoeba-en-de",
  pair,
  messages: [system(`Translate from ${names[0]} to ${names[1]}.`), user(text), assistant(ref)],
});
const codeRow = (code: string, prev: string, next: string): ChatRow => ({
  task: "code",
  source: "python",
  messages: [system("Complete the code. Reply with the next lines only."), user(code), assistant(next)],
  prev_line: prev,
  next_line: next,
});

const ROWS: ChatRow[] = [
  translateRow(["en", "de"], ["English", "German"], "I like tea.", "Ich mag Tee."),
  translateRow(["en", "de"], ["English", "German"], "Tom is tired.", "Tom ist müde."),
  translateRow(["en", "zh"], ["English", "Chinese"], "I like tea.", "我喜欢茶。"),
  codeRow("def add(a, b):\n", "def add(a, b):", "    return a + b"),
  codeRow("x = 1\nx = 1\n", "x = 1", "x = 1"),
  {
    task: "summarize",
    source: "bbc",
    messages: [
      system("Summarize the text in a few sentences."),
      user("The town opened a new library on Monday. It has ten thousand books. Children can borrow games too."),
      assistant("The town opened a new library with ten thousand books."),
    ],
    lead3: "The town opened a new library on Monday. It has ten thousand books. Children can borrow games too.",
  },
  {
    task: "chat",
    source: "loom-own",
    messages: [system("You are Loom, a small helpful assistant."), user("Hello!"), assistant("Hello! How can I help?")],
  },
];

describe("evaluation through the engine", () => {
  let chat: LoadedCausalLM;
  let sentiment: LoadedClassifier;

  before(async () => {
    chat = await loadCausalLM(chatDir, { logger: quiet, scheduler: { maxWaiting: 1000 } });
    sentiment = await loadClassifier(sentimentDir, { logger: quiet });
  });
  after(async () => {
    await chat?.dispose();
    await sentiment?.dispose();
  });

  it("sentiment: accuracy and baselines per source, from the classifier's own labels", async () => {
    const rows = [
      { text: "A wonderful, moving film.", label: 1, source: "a" },
      { text: "Dull and far too long.", label: 0, source: "a" },
      { text: "I loved every minute.", label: 1, source: "a" },
      { text: "The battery died in a day.", label: 0, source: "b" },
    ];
    const result = await evaluateSentiment(sentiment, rows);
    const predicted = (await sentiment.classify(rows.map((r) => r.text))).map((c) => c.label);
    const expected = rows.filter((r, i) => predicted[i] === ["negative", "positive"][r.label]).length / rows.length;
    assert.equal(result.n, 4);
    assert.equal(result.accuracy, expected);
    assert.equal(result.majority_baseline, 0.5);
    assert.equal(result.per_source.a!.n, 3);
    assert.equal(result.per_source.a!.majority_baseline, 2 / 3);
    assert.equal(result.per_source.b!.majority_baseline, 1);
  });

  it("translation: one entry per direction, the app's prompt is the one the model was trained on", async () => {
    const result = await evaluateTranslation(chat, ROWS, QUICK);
    assert.deepEqual(Object.keys(result), ["en→de (tatoeba-en-de)", "en→zh (tatoeba-en-zh)"]);
    const de = result["en→de (tatoeba-en-de)"]!;
    assert.equal(de.n, 2);
    for (const v of Object.values(result)) {
      // exact translations give BLEU 100 up to rounding (100.00000000000004, as sacreBLEU's formula does)
      assert.ok(v.chrF >= 0 && v.chrF <= 100 && v.BLEU >= 0 && v.BLEU <= 100 + 1e-9, JSON.stringify(v));
    }
    // The training rows' own messages (system + user), fed straight to the engine, give the same text.
    const direct = await greedyReply(chat, ROWS[0]!.messages.slice(0, 2), 64);
    assert.equal(de.samples[0]!.output, direct.trim());
  });

  it("code: the first generated line against the next line and the repeat-previous-line baseline", async () => {
    const result = await evaluateCode(chat, ROWS, QUICK);
    assert.equal(result.n, 2);
    assert.equal(result.repeat_previous_line.exact_match, 50);
    for (const s of result.samples) assert.ok(!s.output.includes("\n"), "one line only");
  });

  it("summaries: ROUGE against the reference and the lead-3 baseline, long texts in pieces", async () => {
    const long: ChatRow = {
      ...ROWS[5]!,
      messages: [ROWS[5]!.messages[0]!, user("The library is open every day. ".repeat(120)), ROWS[5]!.messages[2]!],
    };
    const result = await evaluateSummaries(chat, [ROWS[5]!, long], QUICK);
    assert.equal(result.bbc!.n, 2);
    const lead3 = rouge(ROWS[5]!.lead3!, ROWS[5]!.messages[2]!.content);
    assert.ok(Math.abs(result.bbc!.lead3.rougeL - 100 * lead3.rougeL) < 1e-9); // both rows share the lead
    assert.equal(result.short, undefined);
  });

  it("perplexity: the same as scoring the reply token by token with nextTokenLogits", async () => {
    const row = ROWS[6]!;
    const result = await evaluatePerplexity(chat, [row], QUICK);
    const prompt = chat.encodePrompt({ messages: row.messages.slice(0, -1) });
    const reply = [...chat.encodePrompt({ prompt: row.messages[2]!.content, addSpecialTokens: false })];
    reply.push(chat.folder.generation.eosTokenIds[0]!);
    let nll = 0;
    for (let i = 0; i < reply.length; i++) {
      const logits = await chat.nextTokenLogits([...prompt, ...reply.slice(0, i)]);
      const max = Math.max(...logits);
      const logSum = Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
      nll += logSum - logits[reply[i]!]!;
    }
    const expected = Math.exp(nll / reply.length);
    assert.equal(result.n.chat, 1);
    assert.ok(
      Math.abs(result.perplexity.chat! - expected) / expected < 1e-3,
      `${result.perplexity.chat} vs ${expected}`,
    );
  });
});

describe("evaluation helpers", () => {
  it("the validation split: a clear error when it is missing or malformed", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "loom-eval-"));
    try {
      assert.throws(
        () => readValidationSplit(dir),
        (e: Error) => {
          assert.ok(e instanceof ValidationSplitError);
          assert.match(e.message, /make -C training data/);
          return true;
        },
      );
      writeFileSync(path.join(dir, "sentiment.val.jsonl"), '{"text": "ok", "label": 1, "source": "x"}\n{"text": 3}\n');
      assert.throws(() => readValidationSplit(dir), /sentiment\.val\.jsonl:2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("npm run eval scores the shipped models and writes JSON", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "loom-eval-"));
    try {
      writeFileSync(path.join(dir, "chat.val.jsonl"), ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
      writeFileSync(
        path.join(dir, "sentiment.val.jsonl"),
        '{"text": "A lovely film.", "label": 1, "source": "x"}\n{"text": "Awful.", "label": 0, "source": "x"}\n',
      );
      const out = path.join(dir, "results.json");
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(repoRoot, "scripts", "eval.ts"), "--data", dir, "--quick", "--json", out],
        { encoding: "utf8", cwd: repoRoot, timeout: 180_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\| en→de \(tatoeba-en-de\) \| 2 \|/);
      assert.match(r.stdout, /\| all validation \| 2 \|/);
      const json = JSON.parse(readFileSync(out, "utf8"));
      assert.deepEqual(
        json.results.map((m: { model: string }) => m.model),
        ["loom-chat", "loom-sentiment", "loom-extract"],
      );
      assert.equal(json.results[0].chat_language.n, 18);
      assert.equal(json.results[0].chat_language_app.n, 18 * 3, "each probe once per seed");
      assert.match(r.stdout, /\| as the chat app samples \(T 0\.7, top-p 0\.9, 3 seeds\) \| 54 \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
