"""Data preparation rules that need no data sets: the summary length variants, the translation split."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from prompts import SUMMARY_LENGTHS, messages_for  # noqa: E402
from sources.split import norm_key  # noqa: E402
from sources.summaries import summary_length_variants  # noqa: E402
from sources.translation import split_translation, translation_examples  # noqa: E402


def bbc_row(i, targets):
    return {"task": "summarize", "source": "bbc", "group": f"bbc|business|{i}",
            "messages": messages_for("summarize", f"Article {i}.", " ".join(targets), length=SUMMARY_LENGTHS["medium"]),
            "lead3": "", "target_sentences": targets}


class SummaryLengthVariants(unittest.TestCase):
    def test_medium_reads_as_the_earlier_single_prompt(self):
        self.assertEqual(bbc_row(0, ["A.", "B."])["messages"][0]["content"], "Summarize the text in a few sentences.")

    def test_a_third_each_short_and_bullets_from_the_same_targets(self):
        rows = [bbc_row(i, [f"First {i}.", f"Second {i}."]) for i in range(300)]
        variants = summary_length_variants(rows)
        by_system = {}
        for v in variants:
            by_system.setdefault(v["messages"][0]["content"], []).append(v)
        short = by_system.pop("Summarize the text in one sentence.")
        bullets = by_system.pop("Summarize the text as bullet points.")
        self.assertEqual(by_system, {})
        self.assertTrue(70 <= len(short) <= 130 and 70 <= len(bullets) <= 130, (len(short), len(bullets)))
        for v in short:
            i = v["group"].split("|")[-1]
            self.assertEqual(v["messages"][1]["content"], f"Article {i}.")
            self.assertEqual(v["messages"][2]["content"], f"First {i}.")
        for v in bullets:
            i = v["group"].split("|")[-1]
            self.assertEqual(v["messages"][2]["content"], f"- First {i}.\n- Second {i}.")
        self.assertEqual(summary_length_variants(rows), variants, "deterministic")

    def test_only_bbc_rows_with_two_or_more_summary_sentences(self):
        one = bbc_row(1, ["Only."])
        other = {**bbc_row(2, ["A.", "B."]), "source": "scitldr"}
        self.assertEqual(summary_length_variants([one, other]), [])


class TranslationSplit(unittest.TestCase):
    def rows(self):
        # Tatoeba-like: several English sentences share one French translation ("Salut !"), and
        # Multi30k's de and fr captions share the English one
        fr = [(f"Hello number {i}.", "Salut !" if i % 7 == 0 else f"Bonjour numéro {i}.") for i in range(400)]
        de = [(f"Hello number {i}.", f"Hallo Nummer {i}.") for i in range(400)]
        return translation_examples(fr, "en", "fr", "tatoeba-en-fr") + translation_examples(de, "en", "de", "multi30k")

    def test_no_sentence_on_both_sides_in_either_direction(self):
        train, val = split_translation(self.rows(), frac=0.1)
        self.assertTrue(val and train)
        sides = lambda rows: {norm_key(m["content"]) for ex in rows for m in ex["messages"][1:]}
        self.assertEqual(sides(train) & sides(val), set())

    def test_the_english_sentence_keeps_every_pair_and_direction_on_one_side(self):
        train, val = split_translation(self.rows(), frac=0.1)
        en_val = {ex["group"] for ex in val}
        self.assertEqual({ex["pair"][0] + ex["pair"][1] for ex in val}, {"enfr", "fren", "ende", "deen"})
        self.assertFalse(any(ex["group"] in en_val for ex in train))
        self.assertEqual(split_translation(self.rows(), frac=0.1), (train, val), "deterministic")

    def test_french_is_a_language_and_both_directions_are_pairs(self):
        from prompts import LANGUAGES, TRANSLATION_PAIRS
        self.assertEqual(LANGUAGES["fr"], "French")
        self.assertIn(["en", "fr"], TRANSLATION_PAIRS)
        self.assertIn(["fr", "en"], TRANSLATION_PAIRS)


if __name__ == "__main__":
    unittest.main()
