"""Smoke test of the whole recipe on a tiny slice: prepare data, train a tokenizer, train both
models for 20 steps, export their folders, generate. Under two minutes on 2 cores.

    /usr/bin/python3 -m unittest training/test_smoke.py      (or: /usr/bin/python3 training/test_smoke.py)

Skips cleanly (exit 0, with a message) when torch is not importable or the dataset folder is
absent (LOOM_DATA, else ../shared/datasets next to the repository).
"""

import importlib.util
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("LOOM_DATA", os.path.join(ROOT, "..", "shared", "datasets"))
HAVE_TORCH = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("onnx") is not None
HAVE_DATA = os.path.isdir(os.path.join(DATA, "sentiment-sst2")) and os.path.isdir(os.path.join(DATA, "translation-en-zh"))
SKIP = None if HAVE_TORCH and HAVE_DATA else (
    "torch/onnx not importable (use /usr/bin/python3 with python3-torch, python3-onnx)" if not HAVE_TORCH
    else f"dataset folder not found at {DATA} (set LOOM_DATA)")


def model_summary(run_dir):
    with open(os.path.join(run_dir, "train_summary.json")) as f:
        return json.load(f)


@unittest.skipIf(SKIP is not None, f"training smoke test skipped: {SKIP}")
class SmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        import torch

        torch.set_num_threads(min(2, os.cpu_count() or 1))
        from data import prepare
        from tokenizer import CHATML_TEMPLATE, ByteLevelBPE, save_tokenizer, tokenizer_config, train_bpe

        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.data_dir = os.path.join(d, "data")
        prepare(DATA, cls.data_dir, quiet=True, tiny=True)
        with open(os.path.join(cls.data_dir, "tokenizer_corpus.txt"), encoding="utf-8") as f:
            texts = f.read().split("\n")
        vocab, merges = train_bpe(texts, 512)
        tok = ByteLevelBPE(vocab, merges)
        tj = tok.to_json()
        cls.tok_dir = os.path.join(d, "tok")
        save_tokenizer(cls.tok_dir, tj, tokenizer_config(tj, "<|endoftext|>", "<|im_end|>", 256, CHATML_TEMPLATE, pad_token="<|endoftext|>"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _train(self, config, name):
        import argparse

        from train import train

        out, export = os.path.join(self.tmp.name, name), os.path.join(self.tmp.name, "models", name)
        args = argparse.Namespace(config=os.path.join(HERE, "configs", config), data_dir=self.data_dir, tokenizer=self.tok_dir,
                                  out=out, export=export, max_minutes=None, max_steps=20, resume=False, threads=min(2, os.cpu_count() or 1),
                                  log_every=1e9, device="cpu")
        model, summary = train(args)
        self.assertEqual(summary["steps"], 20)
        for f in ("config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"):
            self.assertTrue(os.path.exists(os.path.join(export, f)), f)
        return model, out, export

    def test_chat_train_export_generate(self):
        import onnx

        from formats import generate, prompt_ids
        from prompts import prompt_spec
        from tokenizer import ByteLevelBPE

        model, out, export = self._train("smoke-chat.json", "chat")
        # each validation also translates a few sentences per direction (the chrF learning curve)
        self.assertTrue(any(k.startswith("val_chrF/") for k in model_summary(out)["history"][-1]))
        with open(os.path.join(export, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["model_type"], "llama")
        self.assertIn("translate", cfg["loom"]["tasks"])
        self.assertTrue(os.path.exists(os.path.join(export, "generation_config.json")))
        with open(os.path.join(export, "tokenizer_config.json")) as f:
            self.assertIn("chat_template", json.load(f))
        with open(os.path.join(export, "loom-prompts.json")) as f:
            self.assertEqual(json.load(f), json.loads(json.dumps(prompt_spec())))
        names = {i.name for i in onnx.load(os.path.join(export, "onnx", "model.onnx")).graph.input}
        self.assertIn("past_key_values.0.key", names)
        with open(os.path.join(export, "tokenizer.json"), encoding="utf-8") as f:
            tok = ByteLevelBPE.from_json(json.load(f))
        msgs = [{"role": "system", "content": "Translate from English to German."}, {"role": "user", "content": "Hello."}]
        gen = generate(model, [prompt_ids(tok, msgs)], 8, {tok.vocab["<|im_end|>"]})[0]
        self.assertLessEqual(len(gen), 8)
        tok.decode(gen)  # any bytes decode (errors replaced)
        # resumable: a second run picks the checkpoint up at step 20
        import torch

        self.assertEqual(torch.load(os.path.join(out, "ckpt.pt"))["step"], 20)

    def test_sentiment_train_export(self):
        model, out, export = self._train("smoke-sentiment.json", "sentiment")
        with open(os.path.join(export, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["id2label"], {"0": "negative", "1": "positive"})
        self.assertEqual(cfg["loom"], {"tasks": ["sentiment"]})


if __name__ == "__main__":
    if SKIP:
        print(f"training smoke test skipped: {SKIP}")
        sys.exit(0)
    unittest.main()
