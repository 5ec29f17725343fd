"""The fine-tuning recipe on the committed tiny fixture (server/inference/__fixtures__/tiny-llama)
and the fixture feedback exports (training/fixtures/): loading an installed folder back from its
ONNX initializers, the export's parsing and split, assistant-only loss weights, and a smoke run
(a few CPU steps) that writes the folder, card, loom-quality.json and archive. ~15 s.

    /usr/bin/python3 -m unittest training/test_finetune.py
"""

import importlib.util
import json
import os
import shutil
import struct
import sys
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TINY = os.path.join(ROOT, "server", "inference", "__fixtures__", "tiny-llama")
EXPORT = os.path.join(HERE, "fixtures", "feedback-export.jsonl")
PREFERENCE = os.path.join(HERE, "fixtures", "feedback-preference.jsonl")
HAVE_TORCH = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("onnx") is not None


@unittest.skipIf(not HAVE_TORCH, "torch/onnx not importable (use /usr/bin/python3 with python3-torch, python3-onnx)")
class FinetuneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        import torch

        torch.set_num_threads(min(2, os.cpu_count() or 1))
        cls.tmp = tempfile.mkdtemp(prefix="loom-finetune-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_onnx_initializers_load_back_to_the_reference_logits(self):
        import torch
        from finetune_weights import load_base

        model, cfg, _, _, source = load_base(TINY)
        self.assertEqual(source, "onnx/model.onnx")
        with open(os.path.join(TINY, "golden.json")) as f:
            golden = json.load(f)
        with torch.no_grad():
            logits, _ = model.eval()(torch.tensor([golden["prompt"]["ids"]]))
        expected = torch.tensor(golden["prefill"]["last_logits"])
        self.assertLess(float((logits[0, -1] - expected).abs().max()), 1e-4)

    def test_safetensors_weights_are_preferred_and_read(self):
        import numpy as np
        import torch
        from finetune_weights import load_base

        model, *_ = load_base(TINY)
        folder = os.path.join(self.tmp, "st")
        shutil.copytree(TINY, folder)
        shutil.rmtree(os.path.join(folder, "onnx"))
        # a hand-written safetensors file: header length, JSON header, raw little-endian F32
        header, blobs, offset = {}, [], 0
        for name, t in model.state_dict().items():
            b = t.detach().numpy().astype("<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
            blobs.append(b)
            offset += len(b)
        head = json.dumps(header).encode()
        with open(os.path.join(folder, "model.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
        again, _, _, _, source = load_base(folder)
        self.assertEqual(source, "model.safetensors")
        for name, t in model.state_dict().items():
            self.assertTrue(torch.equal(t, again.state_dict()[name]), name)
        self.assertIsNotNone(np)

    def test_what_it_cannot_load_is_refused_with_exit_2(self):
        import finetune

        sentiment = os.path.join(ROOT, "models", "loom-sentiment")
        for base in (sentiment, os.path.join(self.tmp, "nowhere")):
            with self.subTest(base=base):
                self.assertEqual(finetune.main(["--base", base, "--data", EXPORT, "--out", os.path.join(self.tmp, "x")]), 2)
        bad = os.path.join(self.tmp, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"messages": [{"role": "user", "content": "hi"}], "rating": 1, "chat_id": "c"}\n')
        self.assertEqual(finetune.main(["--base", TINY, "--data", bad, "--out", os.path.join(self.tmp, "x")]), 2)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x")))

    def test_the_export_parses_and_splits_by_conversation(self):
        from finetune_data import ExportError, parse_row, read_export, split

        rows = read_export(EXPORT) + read_export(PREFERENCE)
        self.assertEqual(len(rows), 23)
        self.assertEqual(sum(r["kind"] == "pair" for r in rows), 3)
        train, held = split(rows)
        self.assertTrue(train and held)
        self.assertFalse({r["chat_id"] for r in train} & {r["chat_id"] for r in held})
        self.assertEqual(split(list(reversed(rows)))[1], list(reversed(held)))  # by hash, not by order
        with self.assertRaises(ExportError):
            parse_row('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], '
                      '"rating": 0, "chat_id": "c"}', "line 1")

    def test_only_the_rated_answer_carries_loss(self):
        from finetune_data import encode_answer, read_export, training_examples
        from tokenizer import ByteLevelBPE

        with open(os.path.join(TINY, "tokenizer.json"), encoding="utf-8") as f:
            tok = ByteLevelBPE.from_json(json.load(f))
        rows = read_export(EXPORT)
        multi = next(r for r in rows if sum(m["role"] == "assistant" for m in r["messages"]) > 1)
        ids, w = encode_answer(tok, multi["messages"][:-1], multi["messages"][-1]["content"], 256)
        answer = [i for i, x in zip(ids, w) if x == 1.0]
        self.assertEqual(tok.decode(answer), multi["messages"][-1]["content"] + "<|im_end|>")
        self.assertEqual(len(training_examples(tok, rows, 256)), sum(r["rating"] == 1 for r in rows))
        ids, w = encode_answer(tok, multi["messages"][:-1], multi["messages"][-1]["content"], 24)
        self.assertEqual(len(ids), 24)  # the context is cut from the left, the answer kept whole

    def test_smoke_run_writes_folder_card_quality_and_archive(self):
        import finetune
        import finetune_card
        from finetune_weights import load_base

        data = os.path.join(self.tmp, "all.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for p in (EXPORT, PREFERENCE):
                with open(p, encoding="utf-8") as src:
                    f.write(src.read())
        out = os.path.join(self.tmp, "tiny-ft")
        code = finetune.main(["--base", TINY, "--data", data, "--out", out, "--steps", "6", "--batch-size", "4",
                              "--lr", "1e-3", "--name", "Tiny fine-tuned"])
        self.assertEqual(code, 0)
        with open(os.path.join(out, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["loom"]["display_name"], "Tiny fine-tuned")
        self.assertEqual(cfg["loom"]["finetuned_from"], "tiny-llama")
        self.assertFalse(os.path.exists(os.path.join(out, "golden.json")))
        with open(os.path.join(out + ".work", "train.json")) as f:
            train = json.load(f)
        self.assertEqual(train["data"]["rows"], 23)
        self.assertEqual(train["data"]["pairs"], 3)
        self.assertIsNotNone(train["dpo"])
        self.assertLess(train["loss_last"], train["loss_first"])

        # the new weights differ from the base's and load back the same way
        base, *_ = load_base(TINY)
        new, *_ = load_base(out)
        delta = sum(float((a - b).abs().sum()) for a, b in zip(base.state_dict().values(), new.state_dict().values()))
        self.assertGreater(delta, 0)

        # the engine's numbers stand in for `npm run eval --json` here (the TypeScript test runs it)
        for side, value in (("base", -6.0), ("new", -5.5)):
            with open(os.path.join(out + ".work", f"feedback-{side}.json"), "w") as f:
                json.dump({"results": [{"metrics": {"liked answers: mean log-likelihood per token": value}}]}, f)
        with open(os.path.join(out, "loom-quality.json"), "w") as f:
            json.dump({"version": 1, "evaluation": [{"metric": "chrF en→de", "value": 40.0}],
                       "bias": {"results": [{"probe_set": "p", "kind": "sentiment", "flip_rate": 0.1}]}}, f)
        self.assertEqual(finetune_card.main(["--base", TINY, "--out", out]), 0)
        with open(os.path.join(out, "loom-quality.json")) as f:
            quality = json.load(f)
        self.assertNotIn("evaluation", quality)  # the base's numbers, not this model's: before/after instead
        ft = quality["finetune"]
        self.assertEqual(ft["data"], {"file": "all.jsonl", "rows": 23, "train_rows": train["data"]["train_rows"],
                                      "held_back_rows": train["data"]["held_back_rows"], "pairs": 3})
        self.assertEqual(ft["before"], {"liked answers: mean log-likelihood per token": -6.0})
        self.assertEqual(ft["bias_before"]["results"][0]["flip_rate"], 0.1)
        self.assertNotIn("bias", quality)
        with open(os.path.join(out, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertIn("| liked answers: mean log-likelihood per token | -6.0000 | -5.5000 |", readme)
        self.assertIn("Fine-tuned from **tiny-llama**", readme)
        with tarfile.open(out + ".tar.gz") as tar:
            names = sorted(tar.getnames())
        self.assertIn("tiny-ft/onnx/model.onnx", names)
        self.assertIn("tiny-ft/loom-quality.json", names)
        self.assertTrue(all(n.startswith("tiny-ft/") for n in names))


if __name__ == "__main__":
    unittest.main()
