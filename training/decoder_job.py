"""The decoder job (config "kind": "decoder", loom-chat): a LLaMA decoder trained on packed rows
of chat-template examples drawn from the multi-task mixture (config "mixture": share of tokens
per task, "source_weights": up/down-weighting of sources inside a task). Tokens of the
assistant's replies get loss weight 1, everything else (system/user text, markup)
"prompt_loss_weight". Validation: mean NLL per assistant token per task, and the chrF of a few
greedy Tatoeba translations per direction. Export: the decoder folder and loom-prompts.json.

train.py drives it through the same small interface as classifier_job.ClassifierJob.
"""

import contextlib
import json
import os
import random
import time

import torch
import torch.nn.functional as F

from data import read_jsonl
from export_onnx import save_decoder_folder
from formats import EOT, IM_END, encode_example, generate, prompt_ids
from metrics import chrf
from model import LlamaForCausalLM
from prompts import LANGUAGES, TRANSLATION_PAIRS, prompt_spec
from tokenizer import CHATML_TEMPLATE, tokenizer_config

# The Loom apps this model serves (config.json "loom.tasks"); test_apps.py keeps them within
# server/apps/index.ts's APPS.
APPS = ["chat", "summarize", "translate"]


class Mixture:
    """Endless stream of packed [seq_len + 1] rows drawn from the weighted task mixture."""

    def __init__(self, groups, cfg, seed):
        self.rng = random.Random(seed)
        self.seq = cfg["seq_len"] + 1
        self.groups, probs = [], []
        by_task = {}
        for (task, source), exs in groups.items():
            by_task.setdefault(task, []).append((source, exs))
        for task, share in cfg["mixture"].items():
            srcs = by_task.get(task, [])
            tw = {s: sum(len(e[0]) for e in exs) * cfg.get("source_weights", {}).get(s, 1.0) for s, exs in srcs}
            tot = sum(tw.values())
            for s, exs in srcs:
                if not exs or tot == 0:
                    continue
                mean_len = sum(len(e[0]) for e in exs) / len(exs)
                # probability per example draw ∝ token share / mean example length
                self.groups.append({"name": f"{task}/{s}", "exs": exs, "order": [], "pos": 0})
                probs.append(share * tw[s] / tot / mean_len)
        z = sum(probs)
        self.probs = [p / z for p in probs]
        self.buf_ids, self.buf_w = [], []
        self.drawn = {g["name"]: 0 for g in self.groups}

    def state(self):
        return {"rng": self.rng.getstate(), "pos": [(g["order"], g["pos"]) for g in self.groups], "drawn": self.drawn}

    def load(self, st):
        self.rng.setstate(st["rng"])
        for g, (order, pos) in zip(self.groups, st["pos"]):
            g["order"], g["pos"] = order, pos
        self.drawn = st["drawn"]

    def _draw(self):
        g = self.rng.choices(self.groups, weights=self.probs)[0]
        if g["pos"] >= len(g["order"]):
            g["order"] = list(range(len(g["exs"])))
            self.rng.shuffle(g["order"])
            g["pos"] = 0
        ex = g["exs"][g["order"][g["pos"]]]
        g["pos"] += 1
        self.drawn[g["name"]] += 1
        return ex

    def batch(self, bs):
        xs, ws = [], []
        for _ in range(bs):
            while len(self.buf_ids) < self.seq:
                ids, w = self._draw()
                self.buf_ids += ids
                self.buf_w += w
            xs.append(self.buf_ids[: self.seq])
            ws.append(self.buf_w[: self.seq])
            # the row's last token is the next row's first input (no token is lost)
            self.buf_ids, self.buf_w = self.buf_ids[self.seq - 1:], self.buf_w[self.seq - 1:]
        return torch.tensor(xs), torch.tensor(ws)


def lm_loss(model, ids, w, amp=contextlib.nullcontext()):
    with amp:
        logits, _ = model(ids[:, :-1])
    tgt, tw = ids[:, 1:], w[:, 1:]
    # the softmax over the vocabulary stays in fp32 even under bf16 autocast
    nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none")
    return (nll * tw.reshape(-1)).sum() / tw.sum().clamp(min=1e-6)


@torch.no_grad()
def translation_chrf(model, tok, sets):
    """chrF of greedy translations per direction (as evaluate.py scores them, on fewer rows)."""
    out = {}
    for direction, exs in sets.items():
        outs = generate(model, [prompt_ids(tok, e["messages"]) for e in exs], 64, {tok.vocab[IM_END], tok.vocab[EOT]})
        out[direction] = chrf([tok.decode(o).strip() for o in outs], [e["messages"][-1]["content"] for e in exs])
    model.train()
    return out


@torch.no_grad()
def decoder_val(model, val_sets, max_len):
    """Mean NLL per assistant token, per task (each example on its own, no packing)."""
    model.eval()
    out = {}
    for task, exs in val_sets.items():
        exs = sorted(exs, key=lambda e: len(e[0]))  # less padding
        tot, n = 0.0, 0.0
        for i in range(0, len(exs), 16):
            chunk = exs[i:i + 16]
            L = min(max_len, max(len(e[0]) for e in chunk))
            ids = torch.zeros(len(chunk), L, dtype=torch.long)
            w = torch.zeros(len(chunk), L)
            mask = torch.zeros(len(chunk), L, dtype=torch.long)
            for j, (e_ids, e_w) in enumerate(chunk):
                e_ids, e_w = e_ids[:L], e_w[:L]
                ids[j, : len(e_ids)] = torch.tensor(e_ids)
                w[j, : len(e_w)] = torch.tensor([1.0 if x >= 1.0 else 0.0 for x in e_w])
                mask[j, : len(e_ids)] = 1
            dev = next(model.parameters()).device
            ids, w, mask = ids.to(dev), w.to(dev), mask.to(dev)
            logits, _ = model(ids[:, :-1], mask[:, :-1])
            nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")
            tw = w[:, 1:].reshape(-1)
            tot += float((nll * tw).sum())
            n += float(tw.sum())
        out[task] = tot / max(n, 1.0)
    model.train()
    return out


class DecoderJob:
    """Builds the model and tokenizes the mixture (logging counts and draw probabilities); then
    batches, loss, validation, checkpoint state and export for train()'s loop."""

    def __init__(self, cfg, tok, data_dir, log):
        self.cfg, self.tcfg, self.tok = cfg, cfg["train"], tok
        tcfg, seed = self.tcfg, cfg.get("seed", 1234)
        t0 = time.time()
        mcfg = dict(cfg["model"], vocab_size=len(tok.vocab), bos_token_id=tok.vocab[EOT],
                    eos_token_id=tok.vocab[IM_END], pad_token_id=tok.vocab[EOT])
        mcfg["loom"] = {"tasks": list(APPS), "languages": LANGUAGES, "translation_pairs": TRANSLATION_PAIRS}
        self.model = LlamaForCausalLM(mcfg).init_weights(generator=torch.Generator().manual_seed(seed))
        if tcfg.get("init_from"):
            self.warm_start(tcfg["init_from"], log)
        groups = {}
        pw = tcfg.get("prompt_loss_weight", 0.25)
        max_ex = tcfg["seq_len"] + 1
        for ex in read_jsonl(os.path.join(data_dir, "chat.train.jsonl")):
            if ex["task"] not in tcfg["mixture"]:
                continue
            ids, w = encode_example(tok, ex["messages"], pw)
            if len(ids) > max_ex:  # keep the end (the reply) of over-long examples' prompts? drop instead
                continue
            groups.setdefault((ex["task"], ex["source"]), []).append((ids, w))
        self.val_sets = {}
        for ex in read_jsonl(os.path.join(data_dir, "chat.val.jsonl")):
            v = self.val_sets.setdefault(ex["task"], [])
            if len(v) < tcfg.get("val_examples_per_task", 96):
                v.append(encode_example(tok, ex["messages"], pw))
        # a few Tatoeba sentences per direction, translated greedily at each validation: the
        # learning curve of chrF (what the model card extrapolates from), not just of the loss
        self.chrf_sets = {}
        for ex in read_jsonl(os.path.join(data_dir, "chat.val.jsonl")):
            if ex["task"] == "translate" and ex["source"].startswith("tatoeba"):
                v = self.chrf_sets.setdefault("→".join(ex["pair"]), [])
                if len(v) < tcfg.get("val_chrf_examples", 0):
                    v.append(ex)
        self.mix = Mixture(groups, tcfg, seed)
        log(f"tokenized in {time.time() - t0:.0f}s: " + ", ".join(f"{k[0]}/{k[1]}={len(v)}" for k, v in sorted(groups.items())))
        log("draw probabilities: " + ", ".join(f"{g['name']}={p:.3f}" for g, p in zip(self.mix.groups, self.mix.probs)))

    def warm_start(self, folder, log):
        """Start from an installed model folder's weights (its ONNX initialisers when it has no
        checkpoint: finetune_weights.load_base). RoPE has no position parameters, so a folder
        trained at a shorter context loads into a longer max_position_embeddings unchanged; the
        shapes and the tokenizer must match (train with the folder's tokenizer)."""
        from finetune_weights import load_base

        folder = folder if os.path.isabs(folder) else os.path.join(os.path.dirname(os.path.abspath(__file__)), folder)
        base, bcfg, tok_json, _, source = load_base(folder)
        if tok_json["model"]["vocab"] != self.tok.vocab:
            raise ValueError(f"init_from {folder}: its tokenizer differs from --tokenizer (pass --tokenizer {folder})")
        for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads"):
            if bcfg[k] != self.model.config[k]:
                raise ValueError(f"init_from {folder}: {k} is {bcfg[k]}, the config says {self.model.config[k]}")
        sd = {k: v for k, v in base.state_dict().items() if not k.endswith("rotary_emb.inv_freq")}
        missing, unexpected = self.model.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.endswith("inv_freq") and k != "lm_head.weight"]
        if missing or unexpected:
            raise ValueError(f"init_from {folder}: missing {missing[:3]}, unexpected {unexpected[:3]}")
        log(f"warm start from {folder} ({source}, context {bcfg['max_position_embeddings']} → {self.model.config['max_position_embeddings']})")

    def batch(self, bs, dev):
        ids, w = self.mix.batch(bs)
        return ids.to(dev), w.to(dev)

    def loss(self, batch, amp):
        """(loss, tokens it covers) of one batch."""
        ids, w = batch
        return lm_loss(self.model, ids, w, amp), ids.shape[0] * (ids.shape[1] - 1)

    def validate(self, step, tokens_seen, minutes):
        """The history record; `minutes()` is read after the losses, before the translations."""
        v = decoder_val(self.model, self.val_sets, self.tcfg["seq_len"])
        return {"step": step, "tokens": tokens_seen, "minutes": minutes(),
                **{f"val_nll/{k}": round(x, 4) for k, x in v.items()},
                **{f"val_chrF/{k}": round(x, 2) for k, x in translation_chrf(self.model, self.tok, self.chrf_sets).items()}}

    def state(self):
        """What the checkpoint carries besides model, optimizer and torch RNG: the sampler."""
        return {"mixture": self.mix.state()}

    def load_state(self, ck):
        if "mixture" in ck:
            self.mix.load(ck["mixture"])

    def summary(self):
        return {"examples_drawn": self.mix.drawn}

    def export(self, tok_json, out_dir):
        model, cfg = self.model, self.cfg
        model.eval()
        tc = tokenizer_config(tok_json, EOT, IM_END, cfg["train"]["seq_len"], CHATML_TEMPLATE, pad_token=EOT)
        gen = {"eos_token_id": [model.config["eos_token_id"], model.config["bos_token_id"]],
               "max_new_tokens": 256, "do_sample": False, "repetition_penalty": 1.0}
        gen.update(cfg.get("generation", {}))
        save_decoder_folder(model, out_dir, tok_json, tc, generation_config=gen)
        with open(os.path.join(out_dir, "loom-prompts.json"), "w", encoding="utf-8") as f:
            json.dump(prompt_spec(), f, ensure_ascii=False, indent=2)
            f.write("\n")
