// Expected values were computed with training/metrics.py (the PyTorch side of
// the same evaluation), so the two report the same numbers for the same outputs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bleu, chrF, editSimilarity, levenshtein, rouge, tokenize13a, tokenizeZh } from "./metrics";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

const hyps = ["The cat sat on the mat.", "Ein Mann fährt Fahrrad.", "It's 3,000 dollars - really?", ""];
const refs = [
  "The cat is sitting on the mat.",
  "Ein Mann fährt ein Fahrrad auf der Straße.",
  "It costs 3,000 dollars, really.",
  "Nothing here.",
];

describe("translation metrics (sacreBLEU definitions)", () => {
  it("corpus chrF and BLEU match the Python evaluation", () => {
    close(chrF(hyps, refs), 47.133621834494306, "chrF");
    close(bleu(hyps, refs), 19.219527727156787, "BLEU");
    close(chrF(["我喜欢喝茶。", "他是我的朋友"], ["我喜欢茶。", "他是我的好朋友。"]), 33.25818437644417, "chrF zh");
    close(
      bleu(["我喜欢喝茶。", "他是我的朋友"], ["我喜欢茶。", "他是我的好朋友。"], { zh: true }),
      41.17239847271314,
      "BLEU zh",
    );
  });

  it("perfect output scores 100, empty output 0", () => {
    close(chrF(["Guten Morgen, Tom!"], ["Guten Morgen, Tom!"]), 100, "chrF identical");
    close(bleu(["the cat sat on the mat"], ["the cat sat on the mat"]), 100, "BLEU identical");
    assert.equal(chrF([""], ["something"]), 0);
    assert.equal(bleu([""], ["something"]), 0);
    assert.equal(bleu(["hello"], ["hello world"]), 0); // no 2-gram at all
  });

  it("tokenizes like mteval-v13a, and CJK per character", () => {
    assert.equal(
      tokenize13a("It's 3,000 dollars - really? (yes) a.b, c&amp;d").join(" "),
      "It's 3,000 dollars - really ? ( yes ) a . b , c & d",
    );
    assert.equal(tokenizeZh("我喜欢Tom的猫。OK!").join(" "), "我 喜 欢 Tom 的 猫 。 OK !");
  });

  it("counts characters by code point, not UTF-16 unit", () => {
    // 𠀀 is one character (two UTF-16 units): one 1-gram, matched.
    close(chrF(["𠀀"], ["𠀀"]), 100, "astral character");
    assert.equal(levenshtein("𠀀a", "a"), 1);
  });
});

describe("summary and code metrics", () => {
  it("ROUGE-1/2/L F1 match rouge-score's definitions", () => {
    const r = rouge("The quick brown fox jumps over the lazy dog", "A quick brown dog jumps over the fox!");
    close(r.rouge1, 0.823529411764706, "rouge1");
    close(r.rouge2, 0.39999999999999997, "rouge2");
    close(r.rougeL, 0.5882352941176471, "rougeL");
    assert.deepEqual(rouge("", "text"), { rouge1: 0, rouge2: 0, rougeL: 0 });
  });

  it("edit similarity is 1 − Levenshtein / longer length, on trimmed lines", () => {
    close(editSimilarity("  return a + b;", "return a - b;"), 0.9230769230769231, "code line");
    close(editSimilarity("猫猫", "猫狗"), 0.5, "CJK");
    assert.equal(editSimilarity("", "  "), 1);
    assert.equal(editSimilarity("abc", ""), 0);
  });
});
