"""Checks of make_seq2seq_fixtures.py's encoder-decoder forwards and exports (a few seconds):
    /usr/bin/python3 -m unittest training.test_seq2seq_fixtures   (or discover training)

onnxruntime (python) is not installed here, so the ONNX graphs are run by the engine's TS test
(server/inference/seq2seq.test.ts) against golden.json; this file checks the PyTorch side: the
cached decoder equals the uncached one, the families' quirks, and that the committed fixtures are
what the script writes."""

import json
import math
import os
import sys
import tempfile
import unittest

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_seq2seq_fixtures as m  # noqa: E402

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "server", "inference", "__fixtures__", "seq2seq")
FAMILIES = ["marian", "bart", "t5"]


def build(family, seed=0):
    if family == "marian":
        config = m.marian_config()
    elif family == "bart":
        config = m.bart_config(61, 0, 1, 2)
    else:
        config = m.t5_config(61)
    model = (m.T5(config) if family == "t5" else m.Seq2Seq(config)).eval()
    m.init_random(model, seed)
    return model


def empty(model):
    n, heads, hd = model.kv_dims()
    return [(torch.zeros(1, heads, 0, hd), torch.zeros(1, heads, 0, hd)) for _ in range(n)]


class Seq2SeqFixtureTests(unittest.TestCase):
    def test_cached_steps_equal_the_full_decoder_pass(self):
        src = torch.tensor([[5, 9, 11, 7, 3]])
        tgt = torch.tensor([[4, 8, 12, 6, 10]])
        for family in FAMILIES:
            with self.subTest(family=family), torch.no_grad():
                model = build(family)
                mask = torch.ones_like(src)
                cross = model.cross_kv(model.encode(src, mask))
                want, _ = model.decode(tgt, mask, empty(model), cross)
                past, rows = empty(model), []
                for i in range(tgt.shape[1]):
                    logits, past = model.decode(tgt[:, i : i + 1], mask, past, cross)
                    rows.append(logits[0, -1])
                self.assertLess((torch.stack(rows) - want[0]).abs().max().item(), 1e-5)

    def test_padding_in_the_encoder_is_masked(self):
        for family in FAMILIES:
            with self.subTest(family=family), torch.no_grad():
                model = build(family)
                src = torch.tensor([[5, 9, 11]])
                padded = torch.tensor([[5, 9, 11, 1]])
                a = model.encode(src, torch.ones_like(src))
                b = model.encode(padded, torch.tensor([[1, 1, 1, 0]]))
                self.assertLess((a - b[:, :3]).abs().max().item(), 1e-5)

    def test_marian_sinusoids_are_sin_then_cos(self):
        table = m.marian_sinusoids(4, 8)
        self.assertTrue(torch.all(table[0, :4] == 0) and torch.all(table[0, 4:] == 1))
        self.assertAlmostEqual(table[1, 0].item(), math.sin(1.0), places=6)
        self.assertAlmostEqual(table[1, 4].item(), math.cos(1.0), places=6)

    def test_t5_buckets_match_transformers_values(self):
        rel = torch.tensor([0, 1, -1, 7, -7, 200, -200])
        # transformers' defaults (32 buckets, max distance 128), bidirectional: the values it gives.
        got = m.relative_position_bucket(rel, True, 32, 128).tolist()
        self.assertEqual(got, [0, 17, 1, 23, 7, 31, 15])
        # Causal: only the past has buckets; the future is bucket 0.
        got = m.relative_position_bucket(rel, False, 32, 128).tolist()
        self.assertEqual(got, [0, 0, 1, 0, 7, 0, 31])

    def test_committed_fixtures_are_what_the_script_writes(self):
        with tempfile.TemporaryDirectory() as out:
            for i, family in enumerate(FAMILIES):
                with self.subTest(family=family):
                    _, golden = m.make_family(family, out, seed=100 + i)
                    with open(os.path.join(FIXTURES, family, "golden.json"), encoding="utf-8") as f:
                        committed = json.load(f)
                    self.assertEqual(golden["input_ids"], committed["input_ids"])
                    self.assertEqual(golden["greedy_ids"], committed["greedy_ids"])
                    diff = max(abs(a - b) for r, s in zip(golden["step_logits"], committed["step_logits"])
                               for a, b in zip(r, s))
                    self.assertLess(diff, 1e-5)
                    merged = onnx.load(os.path.join(out, family, "onnx", "decoder_model_merged.onnx"))
                    names = [i.name for i in merged.graph.input]
                    self.assertEqual(names[:3], ["encoder_attention_mask", "input_ids", "encoder_hidden_states"])
                    self.assertEqual(names[-1], "use_cache_branch")
                    self.assertEqual([n.op_type for n in merged.graph.node], ["If"])
                    self.assertIn("present.0.encoder.key", [o.name for o in merged.graph.output])


if __name__ == "__main__":
    unittest.main()
