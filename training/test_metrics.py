"""The metrics' values, pinned: server/eval/metrics.test.ts expects the same numbers from its
TypeScript port, so both evaluations report the same scores for the same outputs."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metrics import bleu, chrf, edit_sim, levenshtein, rouge, tok_13a, tok_zh  # noqa: E402

HYPS = ["The cat sat on the mat.", "Ein Mann fährt Fahrrad.", "It's 3,000 dollars - really?", ""]
REFS = ["The cat is sitting on the mat.", "Ein Mann fährt ein Fahrrad auf der Straße.", "It costs 3,000 dollars, really.",
        "Nothing here."]
ZH_HYPS, ZH_REFS = ["我喜欢喝茶。", "他是我的朋友"], ["我喜欢茶。", "他是我的好朋友。"]


class TranslationMetrics(unittest.TestCase):
    def test_corpus_chrf_and_bleu(self):
        self.assertAlmostEqual(chrf(HYPS, REFS), 47.133621834494306, places=9)
        self.assertAlmostEqual(bleu(HYPS, REFS), 19.219527727156787, places=9)
        self.assertAlmostEqual(chrf(ZH_HYPS, ZH_REFS), 33.25818437644417, places=9)
        self.assertAlmostEqual(bleu(ZH_HYPS, ZH_REFS, zh=True), 41.17239847271314, places=9)

    def test_perfect_output_scores_100_empty_output_0(self):
        self.assertAlmostEqual(chrf(["Guten Morgen, Tom!"], ["Guten Morgen, Tom!"]), 100, places=9)
        self.assertAlmostEqual(bleu(["the cat sat on the mat"], ["the cat sat on the mat"]), 100, places=9)
        self.assertEqual(chrf([""], ["something"]), 0)
        self.assertEqual(bleu([""], ["something"]), 0)
        self.assertEqual(bleu(["hello"], ["hello world"]), 0)  # no 2-gram at all

    def test_tokenizers_13a_and_cjk_per_character(self):
        self.assertEqual(tok_13a("It's 3,000 dollars - really? (yes) a.b, c&amp;d"), "It's 3,000 dollars - really ? ( yes ) a . b , c & d")
        self.assertEqual(tok_zh("我喜欢Tom的猫。OK!"), "我 喜 欢 Tom 的 猫 。 OK !")

    def test_characters_are_code_points(self):
        self.assertAlmostEqual(chrf(["𠀀"], ["𠀀"]), 100, places=9)
        self.assertEqual(levenshtein("𠀀a", "a"), 1)


class SummaryAndCodeMetrics(unittest.TestCase):
    def test_rouge_f1(self):
        r = rouge("The quick brown fox jumps over the lazy dog", "A quick brown dog jumps over the fox!")
        self.assertAlmostEqual(r["rouge1"], 0.823529411764706, places=9)
        self.assertAlmostEqual(r["rouge2"], 0.39999999999999997, places=9)
        self.assertAlmostEqual(r["rougeL"], 0.5882352941176471, places=9)
        self.assertEqual(rouge("", "text"), {"rouge1": 0, "rouge2": 0, "rougeL": 0})

    def test_edit_similarity_on_trimmed_lines(self):
        self.assertAlmostEqual(edit_sim("  return a + b;", "return a - b;"), 0.9230769230769231, places=9)
        self.assertAlmostEqual(edit_sim("猫猫", "猫狗"), 0.5, places=9)
        self.assertEqual(edit_sim("", "  "), 1)
        self.assertEqual(edit_sim("abc", ""), 0)


if __name__ == "__main__":
    unittest.main()
