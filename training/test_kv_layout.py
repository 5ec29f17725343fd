"""kv_layout.py: the appended KV layout's graph surgery (decision 032). The logits are checked in
onnxruntime-node (server/inference/golden.test.ts, kv-layout.test.ts); here, the graph's shape.

    /usr/bin/python3 -m unittest training/test_kv_layout.py
"""

import os
import sys
import tempfile
import unittest

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_onnx import export_decoder_onnx  # noqa: E402
from kv_layout import LayoutError, convert_file, layout_of, to_appended, to_present  # noqa: E402
from model import LlamaForCausalLM  # noqa: E402

torch.set_num_threads(min(2, os.cpu_count() or 1))
CFG = dict(vocab_size=97, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server", "inference", "__fixtures__")
PRESENT = ["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"]
APPENDED = ["logits", "present_new.0.key", "present_new.0.value", "present_new.1.key", "present_new.1.value"]


def dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


class KvLayoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        g = torch.Generator().manual_seed(0)
        model = LlamaForCausalLM(CFG).init_weights(std=0.1, generator=g).eval()
        cls.standard = os.path.join(cls.dir.name, "standard.onnx")
        cls.appended = os.path.join(cls.dir.name, "appended.onnx")
        export_decoder_onnx(model, cls.standard)
        export_decoder_onnx(model, cls.appended, kv_layout="appended")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_export_in_the_appended_layout(self):
        g = onnx.load(self.appended).graph
        self.assertEqual([o.name for o in g.output], APPENDED)
        self.assertEqual(dims(g.output[1]), ["batch_size", 2, "sequence_length", 8])
        # present_new.N is what the (kept) Concat appends to the past: only the new positions.
        concat = next(n for n in g.node if n.output[0] == "present.0.key")
        self.assertEqual(list(concat.input), ["past_key_values.0.key", "present_new.0.key"])
        # Same weights as the standard export.
        standard = {i.name: i.raw_data for i in onnx.load(self.standard).graph.initializer}
        self.assertEqual({i.name: i.raw_data for i in g.initializer}, standard)

    def test_round_trip_back_to_the_standard_layout(self):
        back = os.path.join(self.dir.name, "back.onnx")
        convert_file(self.appended, back, to="present")
        g = onnx.load(back).graph
        self.assertEqual([o.name for o in g.output], PRESENT)
        self.assertEqual(dims(g.output[1]), ["batch_size", 2, "total_sequence_length", 8])
        self.assertEqual([str(o.type) for o in g.output],
                         [str(o.type) for o in onnx.load(self.standard).graph.output])

    def test_refuses_graphs_it_cannot_convert(self):
        with self.assertRaisesRegex(LayoutError, "already has the appended layout"):
            to_appended(onnx.load(self.appended))
        with self.assertRaisesRegex(LayoutError, "no present_new"):
            to_present(onnx.load(self.standard))
        model = onnx.load(self.standard)
        concat = next(n for n in model.graph.node if n.output[0] == "present.1.value")
        concat.input[0], concat.input[1] = concat.input[1], concat.input[0]  # not Concat(past, new)
        with self.assertRaisesRegex(LayoutError, "present.1.value is not Concat"):
            to_appended(model)

    def test_fine_tuning_reads_a_converted_base_and_keeps_its_layout(self):
        """finetune.py loads weights from the base's ONNX initializers, which the conversion leaves
        alone, and exports the new graph in the base's layout (layout_of)."""
        from finetune_weights import load_base

        standard, appended = (os.path.join(FIXTURES, n) for n in ("tiny-llama", "tiny-llama-appended"))
        self.assertEqual(layout_of(os.path.join(standard, "onnx", "model.onnx")), "present")
        self.assertEqual(layout_of(os.path.join(appended, "onnx", "model.onnx")), "appended")
        a, *_ = load_base(standard)
        b, *_ = load_base(appended)
        for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
            self.assertTrue(torch.equal(x, y), name)


if __name__ == "__main__":
    unittest.main()
