"""The code job (config "kind": "code", loom-code): a LLaMA decoder trained on raw source files
with fill-in-the-middle, no chat template.

Each file is cut at line boundaries into segments of at most `segment_chars` characters (about
one context of tokens). A drawn segment becomes, with probability `fim_rate`, a PSM example

    <|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>{middle}<|endoftext|>

(two cut points, each at a line boundary or, for `fim_char_rate` of them, at any character: an
editor's cursor is usually at a line's start or end, sometimes inside it); otherwise the plain
text, `{segment}<|endoftext|>`, where with probability `split_rate` the text is encoded in
pieces cut at 1-4 random points (mostly line boundaries), so that the model also learns to continue a prompt that ends where
BPE would have merged across the cut (a prefix ending in "\n" before an indented line). Segments
are packed into rows of seq_len + 1 tokens; every token has loss weight 1. Tokenization happens
as rows are drawn (the BPE word cache makes it cheap next to the model's step).

Validation: NLL per token on fixed held-out segments (plain and FIM), and next-line exact match
on a fixed sample of held-out lines (prefix = the file up to that line, as much as fits).
"""

import os
import random
import time

import torch

from code_eval import next_line_eval, sample_line_tasks
from data import read_jsonl
from decoder_job import decoder_val, lm_loss
from export_onnx import save_decoder_folder
from model import LlamaForCausalLM
from tokenizer import tokenizer_config

# The Loom app this model serves (config.json "loom.tasks"); test_apps.py keeps it within
# server/apps/index.ts's APPS.
APPS = ["code"]
EOT = "<|endoftext|>"
FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX = "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"
CODE_SPECIALS = [EOT, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX]
FIM = {"prefix": FIM_PREFIX, "suffix": FIM_SUFFIX, "middle": FIM_MIDDLE}
# How the code app prompts it (config.json loom.prompt_format, the model card): raw text, no chat.
PROMPT_FORMAT = {
    "completion": "the code before the cursor, as is; the model continues it",
    "fill_in_the_middle": FIM_PREFIX + "{before}" + FIM_SUFFIX + "{after}" + FIM_MIDDLE + " → the code in between",
    "stop": [EOT],
}


def segments(text, max_chars):
    """Consecutive line-aligned pieces of at most max_chars (a longer line is its own piece)."""
    out, cur, n = [], [], 0
    for line in text.split("\n"):
        if cur and n + len(line) + 1 > max_chars:
            out.append("\n".join(cur) + "\n")
            cur, n = [], 0
        cur.append(line)
        n += len(line) + 1
    tail = "\n".join(cur)
    if tail.strip():
        out.append(tail)
    return out


def _cut(rng, text, char_rate):
    """A cut point: a line boundary, or for char_rate of the draws any character."""
    if rng.random() < char_rate or "\n" not in text:
        return rng.randint(0, len(text))
    bounds = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return rng.choice(bounds)


def encode_segment(tok, seg, rng, tcfg):
    eot = tok.vocab[EOT]
    if rng.random() < tcfg.get("fim_rate", 0.5):
        a, b = sorted((_cut(rng, seg, tcfg.get("fim_char_rate", 0.3)), _cut(rng, seg, tcfg.get("fim_char_rate", 0.3))))
        prefix, middle, suffix = seg[:a], seg[a:b], seg[b:]
        return ([tok.vocab[FIM_PREFIX]] + tok.encode(prefix) + [tok.vocab[FIM_SUFFIX]] + tok.encode(suffix)
                + [tok.vocab[FIM_MIDDLE]] + tok.encode(middle) + [eot])
    if rng.random() < tcfg.get("split_rate", 0.5):
        cuts = sorted({_cut(rng, seg, 0.3) for _ in range(rng.randint(1, 4))} | {0, len(seg)})
        return [t for a, b in zip(cuts, cuts[1:]) for t in tok.encode(seg[a:b])] + [eot]
    return tok.encode(seg) + [eot]


class CodeStream:
    """Endless packed rows from shuffled segments; the state is (rng, order, position)."""

    def __init__(self, segs, tok, tcfg, seed):
        self.segs, self.tok, self.tcfg = segs, tok, tcfg
        self.seq = tcfg["seq_len"] + 1
        self.rng = random.Random(seed)
        self.order, self.pos, self.epoch = [], 0, 0
        self.buf = []

    def state(self):
        return {"rng": self.rng.getstate(), "order": self.order, "pos": self.pos, "epoch": self.epoch}

    def load(self, st):
        self.rng.setstate(st["rng"])
        self.order, self.pos, self.epoch = st["order"], st["pos"], st["epoch"]

    def _next(self):
        if self.pos >= len(self.order):
            self.order = list(range(len(self.segs)))
            self.rng.shuffle(self.order)
            self.pos = 0
            self.epoch += 1
        seg = self.segs[self.order[self.pos]]
        self.pos += 1
        return encode_segment(self.tok, seg, self.rng, self.tcfg)

    def batch(self, bs, seq_len=None):
        self.seq = (seq_len or self.tcfg["seq_len"]) + 1
        rows = []
        for _ in range(bs):
            while len(self.buf) < self.seq:
                self.buf += self._next()
            rows.append(self.buf[: self.seq])
            self.buf = self.buf[self.seq - 1:]
        ids = torch.tensor(rows)
        return ids, torch.ones(ids.shape)


class CodeJob:
    """train()'s job interface (see decoder_job.DecoderJob) for the code model."""

    def __init__(self, cfg, tok, data_dir, log):
        self.cfg, self.tcfg, self.tok = cfg, cfg["train"], tok
        tcfg, seed = self.tcfg, cfg.get("seed", 1234)
        self.progress = 0.0
        for s in CODE_SPECIALS:
            if s not in tok.vocab:
                raise ValueError(f"the code tokenizer lacks {s}: train it with tokenizer.py --specials code")
        t0 = time.time()
        mcfg = dict(cfg["model"], vocab_size=len(tok.vocab), bos_token_id=tok.vocab[EOT],
                    eos_token_id=tok.vocab[EOT], pad_token_id=tok.vocab[EOT])
        mcfg["loom"] = {"tasks": list(APPS), "fim": dict(FIM), "prompt_format": PROMPT_FORMAT,
                        "code_languages": ["javascript", "typescript", "python"]}
        self.model = LlamaForCausalLM(mcfg).init_weights(generator=torch.Generator().manual_seed(seed))
        seg_chars = tcfg.get("segment_chars", 3500)
        train_files = read_jsonl(os.path.join(data_dir, "code.train.jsonl"))
        segs = [s for f in train_files for s in segments(f["text"], seg_chars)]
        self.stream = CodeStream(segs, tok, tcfg, seed)
        val_files = read_jsonl(os.path.join(data_dir, "code.val.jsonl"))
        vrng = random.Random(seed + 1)
        vsegs = [s for f in val_files for s in segments(f["text"], seg_chars)]
        vrng.shuffle(vsegs)
        n = tcfg.get("val_segments", 48)
        plain = [tok.encode(s)[: tcfg["seq_len"]] for s in vsegs[:n]]
        fim = [encode_segment(tok, s, vrng, {**tcfg, "fim_rate": 1.0})[: tcfg["seq_len"]] for s in vsegs[n:2 * n]]
        self.val_sets = {"plain": [(ids, [1.0] * len(ids)) for ids in plain],
                         "fim": [(ids, [1.0] * len(ids)) for ids in fim]}
        self.line_tasks = sample_line_tasks(val_files, tcfg.get("val_lines", 96), seed)
        chars = sum(len(s) for s in segs)
        log(f"code corpus: {len(train_files)} train files, {len(segs)} segments, {chars / 1e6:.1f}M chars; "
            f"{len(val_files)} val files; prepared in {time.time() - t0:.0f}s")

    def set_progress(self, progress):
        self.progress = progress

    def seq_len(self):
        """The rows' length now: the config's seq_len_schedule [[from progress, seq_len], ...]
        (short rows first: attention over 1,024 tokens costs most of a step on a small model;
        the last part at the full length teaches the far positions), else seq_len."""
        cur = self.tcfg["seq_len"]
        for start, n in self.tcfg.get("seq_len_schedule", []):
            if self.progress >= start:
                cur = n
        return cur

    def batch(self, bs, dev):
        # a constant number of tokens per step, whatever the rows' length
        n = self.seq_len()
        rows = max(1, self.tcfg.get("tokens_per_batch", bs * self.tcfg["seq_len"]) // n)
        ids, w = self.stream.batch(rows, n)
        return ids.to(dev), w.to(dev)

    def loss(self, batch, amp):
        ids, w = batch
        return lm_loss(self.model, ids, w, amp), ids.shape[0] * (ids.shape[1] - 1)

    def validate(self, step, tokens_seen, minutes):
        v = decoder_val(self.model, self.val_sets, self.tcfg["seq_len"])
        rec = {"step": step, "tokens": tokens_seen, "minutes": minutes(),
               **{f"val_nll/{k}": round(x, 4) for k, x in v.items()}}
        em = next_line_eval(self.model, self.tok, self.line_tasks, max_prompt_tokens=self.tcfg["seq_len"] - 48)
        rec.update({"val_next_line_em": round(em["model"]["exact_match"], 2),
                    "val_next_line_em_10": round(em["model_long"]["exact_match"], 2),
                    "epoch": self.stream.epoch, "seq_len": self.seq_len()})
        self.model.train()
        return rec

    def state(self):
        return {"code_stream": self.stream.state()}

    def load_state(self, ck):
        if "code_stream" in ck:
            self.stream.load(ck["code_stream"])

    def summary(self):
        return {"epochs": self.stream.epoch, "segments": len(self.stream.segs)}

    def export(self, tok_json, out_dir):
        model = self.model
        model.eval()
        tc = tokenizer_config(tok_json, EOT, EOT, self.tcfg["seq_len"], None, pad_token=EOT)
        gen = {"eos_token_id": [model.config["eos_token_id"]], "max_new_tokens": 128, "do_sample": False,
               "repetition_penalty": 1.0}
        gen.update(self.cfg.get("generation", {}))
        save_decoder_folder(model, out_dir, tok_json, tc, generation_config=gen)
        # A chat-style code app sends the code as the only (user) message; with no chat template
        # the engine feeds it as plain text: raw completion of the code before the cursor.
        with open(os.path.join(out_dir, "loom-prompts.json"), "w", encoding="utf-8") as f:
            f.write('{\n  "code": { "user": "{code}" }\n}\n')
