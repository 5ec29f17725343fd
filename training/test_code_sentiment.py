"""Data rules of loom-code and the bilingual loom-sentiment that need no data sets: segments and
FIM examples, the SST-2 sentence split, the Han-per-token BPE."""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from code_job import CODE_SPECIALS, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, encode_segment, segments  # noqa: E402
from sources.sentiment_bilingual import sst2_split  # noqa: E402
from tokenizer import CJK_CHAR, ByteLevelBPE, train_bpe  # noqa: E402

CODE = "\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(40))


def code_tokenizer():
    vocab, merges = train_bpe([CODE], 400, special_tokens=CODE_SPECIALS)
    return ByteLevelBPE(vocab, merges, CODE_SPECIALS)


class CodeSegments(unittest.TestCase):
    def test_segments_rebuild_the_file_and_stay_under_the_limit(self):
        segs = segments(CODE, 200)
        self.assertEqual("".join(segs), CODE)
        self.assertTrue(all(len(s) <= 200 for s in segs))

    def test_fim_examples_are_psm_and_hold_the_whole_segment(self):
        tok = code_tokenizer()
        rng = random.Random(0)
        seg = segments(CODE, 300)[1]
        for _ in range(20):
            text = tok.decode(encode_segment(tok, seg, rng, {"fim_rate": 1.0}))
            self.assertTrue(text.startswith(FIM_PREFIX) and text.endswith("<|endoftext|>"))
            prefix, rest = text[len(FIM_PREFIX):].split(FIM_SUFFIX)
            suffix, middle = rest.split(FIM_MIDDLE)
            self.assertEqual(prefix + middle[: -len("<|endoftext|>")] + suffix, seg)

    def test_plain_examples_cut_into_pieces_still_decode_to_the_segment(self):
        tok = code_tokenizer()
        rng = random.Random(1)
        seg = segments(CODE, 300)[0]
        for _ in range(20):
            ids = encode_segment(tok, seg, rng, {"fim_rate": 0.0, "split_rate": 1.0})
            self.assertEqual(tok.decode(ids), seg + "<|endoftext|>")


class Sst2Split(unittest.TestCase):
    def test_validation_holds_whole_sentences_and_no_phrase_of_them_is_trained(self):
        rows = []
        for i in range(60):
            sent = f"the film number {i} is a quiet triumph of craft"
            rows.append({"text": sent, "label": 1})
            rows += [{"text": f"number {i} is", "label": 1}, {"text": "a quiet triumph", "label": 1}]
        train, val = sst2_split(rows, frac=0.2)
        self.assertTrue(val, "some sentences are held out")
        val_texts = {r["text"] for r in val}
        self.assertTrue(all(r["text"].startswith("the film number") for r in val))
        for r in train:
            self.assertFalse(any(r["text"] in v for v in val_texts), r["text"])
        # a phrase shared with a validation sentence is dropped, even if a training sentence has it too
        self.assertNotIn("a quiet triumph", {r["text"] for r in train})


class HanPerToken(unittest.TestCase):
    def test_isolate_cjk_learns_no_merge_across_two_han_characters(self):
        texts = ["房间很干净，服务也不错。"] * 50 + ["not bad at all"] * 50
        vocab, merges = train_bpe(texts, 600, isolate_cjk=True)
        tok = ByteLevelBPE(vocab, merges)
        ids = tok.encode("房间很干净，服务也不错 not bad")
        pieces = [tok.decode([i]) for i in ids]
        self.assertTrue(all(len(CJK_CHAR.findall(p)) <= 1 for p in pieces), pieces)
        self.assertEqual(tok.decode(ids), "房间很干净，服务也不错 not bad")
        plain = ByteLevelBPE(*train_bpe(texts, 600))
        self.assertTrue(any(len(CJK_CHAR.findall(plain.decode([i]))) > 1 for i in plain.encode("房间很干净")),
                        "without the option BPE merges whole phrases")


if __name__ == "__main__":
    unittest.main()
