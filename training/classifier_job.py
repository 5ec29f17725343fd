"""The classifier job (config "kind": "classifier", loom-sentiment): the Transformer-encoder
classifier on the sentiment split, in shuffled epochs of length-bucketed batches. Validation:
accuracy, overall and per source. Export: the classifier folder.

train.py drives it through the same small interface as decoder_job.DecoderJob.
"""

import os
import random
import time

import torch
import torch.nn.functional as F

from data import read_jsonl
from export_onnx import save_classifier_folder
from formats import EOT, encode_sentiment, pad_batch
from model import EncoderClassifier, encoder_config
from tokenizer import tokenizer_config

# The Loom app this model serves (config.json "loom.tasks"); test_apps.py keeps it within
# server/apps/index.ts's APPS.
APPS = ["sentiment"]


@torch.no_grad()
def classifier_val(model, items, pad_id):
    model.eval()
    correct, per = 0, {}
    for i in range(0, len(items), 256):
        chunk = items[i:i + 256]
        ids, mask, y = pad_batch(chunk, pad_id)
        dev = next(model.parameters()).device
        pred = model(ids.to(dev), mask.to(dev)).argmax(-1).cpu()
        for (_, _, src), p, t in zip(chunk, pred.tolist(), y.tolist()):
            c = per.setdefault(src, [0, 0])
            c[0] += int(p == t)
            c[1] += 1
    model.train()
    acc = sum(c[0] for c in per.values()) / max(1, sum(c[1] for c in per.values()))
    return acc, {k: c[0] / c[1] for k, c in per.items()}


class ClassifierJob:
    """Builds the model and tokenizes the sentiment rows; then batches, loss, validation,
    checkpoint state and export for train()'s loop."""

    def __init__(self, cfg, tok, data_dir, log):
        self.cfg, self.tcfg = cfg, cfg["train"]
        self.pad_id = tok.vocab[EOT]
        t0 = time.time()
        mcfg = encoder_config(cfg["labels"], **dict(cfg["model"], vocab_size=len(tok.vocab)))
        mcfg["loom"] = {"tasks": list(APPS)}
        if cfg.get("languages"):  # the languages it was trained on (config.json loom.languages)
            mcfg["loom"]["languages"] = list(cfg["languages"])
        mcfg["pad_token_id"] = self.pad_id
        self.model = EncoderClassifier(mcfg)
        max_len = mcfg["max_position_embeddings"]
        train_rows = read_jsonl(os.path.join(data_dir, "sentiment.train.jsonl"))
        # "source_repeat": {source: n} shows a small source's rows n times an epoch
        repeat = self.tcfg.get("source_repeat", {})
        train_rows = [r for r in train_rows for _ in range(repeat.get(r["source"], 1))]
        self.train_items = encode_sentiment(tok, train_rows, max_len)
        val_rows = read_jsonl(os.path.join(data_dir, "sentiment.val.jsonl"))
        self.val_items = encode_sentiment(tok, val_rows, max_len)
        self.lang_of = {r["source"]: r.get("lang") for r in val_rows if r.get("lang")}
        self.drng = random.Random(cfg.get("seed", 1234))
        self.queue = []  # the current epoch's rows, in batch order
        log(f"tokenized {len(self.train_items)} train / {len(self.val_items)} val in {time.time() - t0:.0f}s")

    def _epoch(self, bs):
        order = self.train_items[:]
        self.drng.shuffle(order)
        # bucket by length inside windows of 50 batches: less padding, still shuffled
        win = bs * 50
        for i in range(0, len(order), win):
            order[i:i + win] = sorted(order[i:i + win], key=lambda x: len(x[0]))
        batches = [order[i:i + bs] for i in range(0, len(order), bs)]
        self.drng.shuffle(batches)
        return [x for b in batches for x in b]

    def batch(self, bs, dev):
        if len(self.queue) < bs:
            self.queue += self._epoch(bs)
        chunk, self.queue = self.queue[:bs], self.queue[bs:]
        ids, mask, y = pad_batch(chunk, self.pad_id)
        return ids.to(dev), mask.to(dev), y.to(dev)

    def loss(self, batch, amp):
        """(loss, tokens it covers) of one batch."""
        ids, mask, y = batch
        with amp:
            logits = self.model(ids, mask)
        loss = F.cross_entropy(logits.float(), y, label_smoothing=self.tcfg.get("label_smoothing", 0.0))
        return loss, int(mask.sum())

    def validate(self, step, tokens_seen, minutes):
        """The history record; `minutes()` is read after the accuracy."""
        acc, per = classifier_val(self.model, self.val_items, self.pad_id)
        n = {}
        for _, _, src in self.val_items:
            n[src] = n.get(src, 0) + 1
        by_lang = {}
        for src, a in per.items():
            if src in self.lang_of:
                c = by_lang.setdefault(self.lang_of[src], [0.0, 0])
                c[0] += a * n[src]
                c[1] += n[src]
        return {"step": step, "minutes": minutes(), "val_acc": round(acc, 4),
                **{f"val_acc/lang-{k}": round(c[0] / c[1], 4) for k, c in sorted(by_lang.items())},
                **{f"val_acc/{k}": round(x, 4) for k, x in per.items()}}

    def state(self):
        """What the checkpoint carries besides model, optimizer and torch RNG: the epoch shuffler."""
        return {"data_rng": self.drng.getstate()}

    def load_state(self, ck):
        if "data_rng" in ck:
            self.drng.setstate(ck["data_rng"])

    def summary(self):
        return {}

    def export(self, tok_json, out_dir):
        model = self.model
        model.eval()
        tc = tokenizer_config(tok_json, EOT, EOT, model.config["max_position_embeddings"], pad_token=EOT)
        save_classifier_folder(model, out_dir, tok_json, tc)
