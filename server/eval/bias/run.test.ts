// The bias probes on the shipped models, through the engine: the sentiment model's report is the
// same on every run, and its numbers are what classifying the variants directly gives; a chat
// model's answers are scored by the sentiment model. The card section is replaced on a rerun.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCausalLM, loadClassifier, type LoadedCausalLM, type LoadedClassifier } from "../../inference/index";
import { repoRoot } from "../../inference/test-helpers";
import { readModelPrompts } from "../../apps/prompts";
import { greedyReply } from "../replies";
import { biasCardSection, CARD_END, CARD_START, withCardSection } from "./card";
import { summariseAttributes } from "./measure";
import { expandProbeSet, PROBE_SETS, type ProbeSet } from "./probe-sets";
import { isRefusal } from "./refusal";
import { probeClassifier, probeGenerative } from "./run";

const quiet = { info() {}, warn() {} };
const sentimentDir = path.join(repoRoot, "models", "loom-sentiment");
const chatDir = path.join(repoRoot, "models", "loom-chat");

describe("bias probes on loom-sentiment", () => {
  let sentiment: LoadedClassifier;
  before(async () => {
    sentiment = await loadClassifier(sentimentDir, { logger: quiet });
  });
  after(() => sentiment.dispose());

  it("are deterministic: two runs give the same results and cases", async () => {
    const first = await probeClassifier(sentiment, PROBE_SETS, 2);
    const second = await probeClassifier(sentiment, PROBE_SETS, 2);
    assert.deepEqual(second.report.results, first.report.results);
    assert.deepEqual(second.report.probe_sets, first.report.probe_sets);
    assert.deepEqual(
      second.cases.map((c) => c.scores),
      first.cases.map((c) => c.scores),
    );
    assert.equal(first.report.results.length, PROBE_SETS.length);
    assert.ok(first.report.results.every((r) => r.kind === "sentiment" && r.refusal_change_rate === undefined));
  });

  it("match classifying the swapped sentences directly", async () => {
    const set = PROBE_SETS.find((s) => s.id === "religion-zh")!;
    const run = await probeClassifier(sentiment, [set], 1);
    const cases = expandProbeSet(set, 1);
    let flips = 0;
    let gaps = 0;
    for (const [i, probeCase] of cases.entries()) {
      const direct = await sentiment.classify(probeCase.variants.map((v) => v.text));
      const positives = direct.map((c) => c.scores.find((s) => s.label === "positive")!.score);
      const flipped = new Set(direct.map((c) => c.label)).size > 1;
      const gap = Math.max(...positives) - Math.min(...positives);
      flips += flipped ? 1 : 0;
      gaps += gap;
      if (i < 4) {
        assert.equal(run.cases[i]!.flipped, flipped, probeCase.variants[0]!.text);
        assert.ok(Math.abs(run.cases[i]!.gap - gap) < 1e-6);
      }
    }
    const [result] = run.report.results;
    assert.equal(result!.pairs, cases.length);
    assert.equal(result!.flip_rate, Math.round((flips / cases.length) * 10_000) / 10_000);
    assert.ok(Math.abs(result!.mean_score_gap - gaps / cases.length) < 1e-4);
  });

  it("pool a set's rows by attribute, weighted by pairs", async () => {
    const sets = PROBE_SETS.filter((s) => s.attribute === "gender");
    const { report } = await probeClassifier(sentiment, sets, 2);
    const [pooled] = summariseAttributes(report.results);
    const pairs = report.results.reduce((n, r) => n + r.pairs, 0);
    assert.equal(pooled!.pairs, pairs);
    const flips = report.results.reduce((n, r) => n + r.flip_rate * r.pairs, 0);
    assert.ok(Math.abs(pooled!.flip_rate - flips / pairs) < 1e-4);
  });

  it("write a card section that a rerun replaces", async () => {
    const run = await probeClassifier(sentiment, PROBE_SETS.slice(0, 1), 1);
    const section = biasCardSection(run.report, run.cases);
    const card = withCardSection("# model\n\nText.\n", section);
    assert.match(card, /^# model\n\nText\.\n\n<!-- loom:bias-probes:start/);
    assert.match(card, /## Bias probes[\s\S]*\| gender-words-en \| en \| 36 \|/);
    const rerun = withCardSection(`${card}\n## Later section\n`, section.replace("36 pairs", "36 pairs (again)"));
    assert.equal(rerun.split(CARD_START).length, 2);
    assert.equal(rerun.split(CARD_END).length, 2);
    assert.match(rerun, /\(again\)[\s\S]*## Later section/);
  });
});

describe("bias probes on loom-chat (two sentences)", () => {
  let chat: LoadedCausalLM;
  let sentiment: LoadedClassifier;
  before(async () => {
    [chat, sentiment] = await Promise.all([
      loadCausalLM(chatDir, { logger: quiet }),
      loadClassifier(sentimentDir, { logger: quiet }),
    ]);
  });
  after(() => Promise.all([chat.dispose(), sentiment.dispose()]));

  it("score the chat answers with the sentiment model and the refusal detector", async () => {
    const full = PROBE_SETS.find((s) => s.id === "gender-words-en")!;
    const set: ProbeSet = { ...full, templates: full.templates.slice(0, 2) };
    const run = await probeGenerative(chat, sentiment, [set], {
      scorerId: "loom-sentiment",
      maxFills: 1,
      maxTokens: 16,
    });
    assert.equal(run.report.scorer, "loom-sentiment");
    assert.equal(run.cases.length, 2);
    const system = readModelPrompts(chatDir).chat.system!;
    const first = run.cases[0]!;
    for (const [i, variant] of first.probeCase.variants.entries()) {
      const answer = await greedyReply(
        chat,
        [
          { role: "system", content: system },
          { role: "user", content: variant.text },
        ],
        16,
      );
      assert.equal(first.scores[i]!.answer, answer);
      const [scored] = await sentiment.classify([answer]);
      assert.equal(first.scores[i]!.label, scored!.label);
      assert.equal(first.scores[i]!.refusal, isRefusal(answer));
    }
    const [result] = run.report.results;
    assert.equal(result!.kind, "generative");
    assert.equal(result!.flip_rate, run.cases.filter((c) => c.flipped).length / 2);
    assert.equal(typeof result!.refusal_change_rate, "number");
  });
});
