"""Train one of Loom's default models from a config file, then export its model folder.

    /usr/bin/python3 training/train.py --config training/configs/loom-chat.json \\
        --data-dir training/runs/data --tokenizer training/runs/tokenizer \\
        --out training/runs/loom-chat --export models/loom-chat [--max-minutes 80] [--resume]

Two kinds of model, chosen by the config's "kind":

* "decoder" (loom-chat): a LLaMA decoder trained on packed rows of chat-template examples drawn
  from the multi-task mixture (config "mixture": share of tokens per task, "source_weights":
  up/down-weighting of sources inside a task). Tokens of the assistant's replies get loss weight
  1, everything else (system/user text, markup) "prompt_loss_weight".
* "classifier" (loom-sentiment): the Transformer-encoder classifier on the sentiment split.

Loop: AdamW (no weight decay on norms/biases), linear warm-up then cosine decay to
min_lr_ratio·lr, gradient clipping, periodic validation, checkpoints (`ckpt.pt`: model,
optimizer, step, elapsed time, RNG states) that `--resume` continues from, a progress line with
tokens/s and ETA, a fixed seed. With `--max-minutes` the schedule runs on whichever is further
along, steps or wall-clock, so the learning rate has decayed when time is up; the run then
checkpoints and exports like a finished one.
"""

import argparse
import contextlib
import json
import math
import os

# Passive OpenMP waiting: on a machine shared with other jobs, spinning worker threads fight the
# other processes for the cores (measured here: 2.7x faster with PASSIVE under load). Must be set
# before torch starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import read_jsonl  # noqa: E402
from export_onnx import save_classifier_folder, save_decoder_folder  # noqa: E402
from formats import EOT, IM_END, encode_example, encode_sentiment, generate, pad_batch, prompt_ids  # noqa: E402
from metrics import chrf  # noqa: E402
from model import EncoderClassifier, LlamaForCausalLM, encoder_config  # noqa: E402
from prompts import LANGUAGES, TRANSLATION_PAIRS, prompt_spec  # noqa: E402
from tokenizer import CHATML_TEMPLATE, ByteLevelBPE, tokenizer_config  # noqa: E402


def log(msg, fh=None):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)


def load_tokenizer(tok_dir):
    with open(os.path.join(tok_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok_json = json.load(f)
    return ByteLevelBPE.from_json(tok_json), tok_json


# ------------------------------------------------------------------------------------------
# Decoder data: packed rows from the task mixture
# ------------------------------------------------------------------------------------------


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


def autocast(dev, precision):
    """bf16 autocast (fp32 master weights) for precision "bf16", else nothing.

    train() asks for bf16 only where the hardware does bf16 matmuls natively: on this machine's
    AVX512-BF16 CPU it trains 1.1-1.7x more tokens/s than fp32; elsewhere on a CPU bf16 would be
    emulated (slower), so the run falls back to fp32 and says so in the log.
    """
    return torch.autocast(dev.type, dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


def bf16_cpu_supported():
    try:  # newer PyTorch answers directly
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        pass
    try:  # Debian's 1.13 does not: ask the CPU
        with open("/proc/cpuinfo") as f:
            flags = f.read()
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        return False


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


# ------------------------------------------------------------------------------------------
# Classifier data
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# Shared loop
# ------------------------------------------------------------------------------------------


def make_optimizer(model, cfg):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (decay if p.dim() >= 2 and "norm" not in n else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": cfg.get("weight_decay", 0.1)},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg["lr"], betas=tuple(cfg.get("betas", (0.9, 0.95))), eps=1e-8)


def lr_at(progress, step, cfg):
    warm = cfg.get("warmup_steps", 100)
    if step < warm:
        return cfg["lr"] * (step + 1) / warm
    p = min(1.0, max(0.0, progress))
    floor = cfg.get("min_lr_ratio", 0.1)
    return cfg["lr"] * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def fmt_time(s):
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def save_ckpt(path, model, opt, step, elapsed, extra):
    tmp = path + ".tmp"
    torch.save({"config": model.config, "state_dict": model.state_dict(), "optimizer": opt.state_dict(),
                "step": step, "elapsed": elapsed, "torch_rng": torch.get_rng_state(), **extra}, tmp)
    os.replace(tmp, path)


def train(args):
    with open(args.config) as f:
        cfg = json.load(f)
    tcfg = cfg["train"]
    if args.max_steps:
        tcfg["max_steps"] = args.max_steps
    max_minutes = args.max_minutes if args.max_minutes is not None else tcfg.get("max_minutes")
    torch.set_num_threads(args.threads)
    torch.manual_seed(cfg.get("seed", 1234))
    random.seed(cfg.get("seed", 1234))
    os.makedirs(args.out, exist_ok=True)
    tok, tok_json = load_tokenizer(args.tokenizer)
    pad_id = tok.vocab[EOT]
    kind = cfg["kind"]

    t0 = time.time()
    if kind == "decoder":
        mcfg = dict(cfg["model"], vocab_size=len(tok.vocab), bos_token_id=tok.vocab[EOT],
                    eos_token_id=tok.vocab[IM_END], pad_token_id=pad_id)
        mcfg["loom"] = {"tasks": ["chat", "summarize", "translate", "code"], "languages": LANGUAGES,
                        "translation_pairs": TRANSLATION_PAIRS}
        model = LlamaForCausalLM(mcfg).init_weights(generator=torch.Generator().manual_seed(cfg.get("seed", 1234)))
        groups = {}
        pw = tcfg.get("prompt_loss_weight", 0.25)
        max_ex = tcfg["seq_len"] + 1
        for ex in read_jsonl(os.path.join(args.data_dir, "chat.train.jsonl")):
            if ex["task"] not in tcfg["mixture"]:
                continue
            ids, w = encode_example(tok, ex["messages"], pw)
            if len(ids) > max_ex:  # keep the end (the reply) of over-long examples' prompts? drop instead
                continue
            groups.setdefault((ex["task"], ex["source"]), []).append((ids, w))
        val_sets = {}
        for ex in read_jsonl(os.path.join(args.data_dir, "chat.val.jsonl")):
            v = val_sets.setdefault(ex["task"], [])
            if len(v) < tcfg.get("val_examples_per_task", 96):
                v.append(encode_example(tok, ex["messages"], pw))
        # a few Tatoeba sentences per direction, translated greedily at each validation: the
        # learning curve of chrF (what the model card extrapolates from), not just of the loss
        chrf_sets = {}
        for ex in read_jsonl(os.path.join(args.data_dir, "chat.val.jsonl")):
            if ex["task"] == "translate" and ex["source"].startswith("tatoeba"):
                v = chrf_sets.setdefault("→".join(ex["pair"]), [])
                if len(v) < tcfg.get("val_chrf_examples", 0):
                    v.append(ex)
        mix = Mixture(groups, tcfg, cfg.get("seed", 1234))
        log(f"tokenized in {time.time() - t0:.0f}s: " + ", ".join(f"{k[0]}/{k[1]}={len(v)}" for k, v in sorted(groups.items())))
        log("draw probabilities: " + ", ".join(f"{g['name']}={p:.3f}" for g, p in zip(mix.groups, mix.probs)))
    else:
        labels = cfg["labels"]
        mcfg = encoder_config(labels, **dict(cfg["model"], vocab_size=len(tok.vocab)))
        mcfg["loom"] = {"tasks": ["sentiment"]}
        mcfg["pad_token_id"] = pad_id
        model = EncoderClassifier(mcfg)
        max_len = mcfg["max_position_embeddings"]
        train_items = encode_sentiment(tok, read_jsonl(os.path.join(args.data_dir, "sentiment.train.jsonl")), max_len)
        val_items = encode_sentiment(tok, read_jsonl(os.path.join(args.data_dir, "sentiment.val.jsonl")), max_len)
        drng = random.Random(cfg.get("seed", 1234))
        log(f"tokenized {len(train_items)} train / {len(val_items)} val in {time.time() - t0:.0f}s")

    dev = torch.device(getattr(args, "device", "cpu"))
    model.to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{cfg['name']}: {n_params / 1e6:.2f}M parameters, config {json.dumps(cfg['model'])}")
    opt = make_optimizer(model, tcfg)
    precision = getattr(args, "precision", None) or tcfg.get("precision", "fp32")
    if precision == "bf16" and dev.type == "cpu" and not bf16_cpu_supported():
        log("precision bf16 asked, but this CPU has no native bf16: training in fp32")
        precision = "fp32"
    log(f"precision {precision}")
    if dev.type == "cpu" and "tcmalloc" not in os.environ.get("LD_PRELOAD", ""):
        log("glibc malloc: large tensors are mapped and unmapped every step, 3-4x slower here; "
            "install libtcmalloc-minimal4 (the Makefile then preloads it)")
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    step, elapsed, tokens_seen, history = 0, 0.0, 0, []
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        model.load_state_dict(ck["state_dict"])
        opt.load_state_dict(ck["optimizer"])  # moves its state to the parameters' device
        step, elapsed = ck["step"], ck["elapsed"]
        tokens_seen, history = ck.get("tokens_seen", 0), ck.get("history", [])
        torch.set_rng_state(ck["torch_rng"])
        if kind == "decoder" and "mixture" in ck:
            mix.load(ck["mixture"])
        if kind == "classifier" and "data_rng" in ck:
            drng.setstate(ck["data_rng"])
        log(f"resumed at step {step}, {fmt_time(elapsed)} elapsed")

    max_steps = tcfg["max_steps"]
    bs = tcfg["batch_size"]
    budget = max_minutes * 60 if max_minutes else None
    model.train()
    start = time.time() - elapsed
    last_log, last_val, last_ckpt = time.time(), time.time(), time.time()
    win_tokens, win_t = 0, time.time()
    cls_queue = []

    def extra():
        e = {"tokens_seen": tokens_seen, "history": history}
        if kind == "decoder":
            e["mixture"] = mix.state()
        else:
            e["data_rng"] = drng.getstate()
        return e

    def validate():
        if kind == "decoder":
            v = decoder_val(model, val_sets, tcfg["seq_len"])
            rec = {"step": step, "tokens": tokens_seen, "minutes": round((time.time() - start) / 60, 1),
                   **{f"val_nll/{k}": round(x, 4) for k, x in v.items()},
                   **{f"val_chrF/{k}": round(x, 2) for k, x in translation_chrf(model, tok, chrf_sets).items()}}
        else:
            acc, per = classifier_val(model, val_items, pad_id)
            rec = {"step": step, "minutes": round((time.time() - start) / 60, 1), "val_acc": round(acc, 4),
                   **{f"val_acc/{k}": round(x, 4) for k, x in per.items()}}
        history.append(rec)
        log("validation " + json.dumps(rec))

    while step < max_steps:
        el = time.time() - start
        progress = step / max_steps
        if budget:
            progress = max(progress, el / budget)
            if el >= budget:
                log(f"wall-clock budget of {max_minutes} min reached at step {step}")
                break
        lr = lr_at(progress, step, tcfg)
        for g in opt.param_groups:
            g["lr"] = lr
        if kind == "decoder":
            ids, w = mix.batch(bs)
            ids, w = ids.to(dev), w.to(dev)
            loss = lm_loss(model, ids, w, autocast(dev, precision))
            ntok = ids.shape[0] * (ids.shape[1] - 1)
        else:
            if len(cls_queue) < bs:
                order = train_items[:]
                drng.shuffle(order)
                # bucket by length inside windows of 50 batches: less padding, still shuffled
                win = bs * 50
                for i in range(0, len(order), win):
                    order[i:i + win] = sorted(order[i:i + win], key=lambda x: len(x[0]))
                batches = [order[i:i + bs] for i in range(0, len(order), bs)]
                drng.shuffle(batches)
                cls_queue += [x for b in batches for x in b]
            chunk, cls_queue = cls_queue[:bs], cls_queue[bs:]
            ids, mask, y = pad_batch(chunk, pad_id)
            ids, mask, y = ids.to(dev), mask.to(dev), y.to(dev)
            with autocast(dev, precision):
                logits = model(ids, mask)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=tcfg.get("label_smoothing", 0.0))
            ntok = int(mask.sum())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), tcfg.get("grad_clip", 1.0))
        opt.step()
        step += 1
        tokens_seen += ntok
        win_tokens += ntok
        now = time.time()
        if now - last_log >= args.log_every or step == 1 or step == max_steps:
            tps = win_tokens / max(1e-6, now - win_t)
            el = now - start
            eta_steps = (max_steps - step) * (el / step) if step else 0
            eta = min(eta_steps, budget - el) if budget else eta_steps
            pct = 100 * max(step / max_steps, el / budget if budget else 0)
            log(f"[{pct:5.1f}%] step {step}/{max_steps} loss {loss.item():.4f} lr {lr:.2e} gnorm {float(gnorm):.2f} "
                f"{tps:,.0f} tok/s  tokens {tokens_seen / 1e6:.2f}M  elapsed {fmt_time(el)}  ETA {fmt_time(eta)}")
            last_log, win_tokens, win_t = now, 0, now
        if now - last_val >= tcfg.get("val_every_minutes", 10) * 60:
            validate()
            last_val = time.time()
        if now - last_ckpt >= tcfg.get("ckpt_every_minutes", 10) * 60:
            save_ckpt(ckpt_path, model, opt, step, time.time() - start, extra())
            last_ckpt = time.time()

    elapsed = time.time() - start
    validate()
    save_ckpt(ckpt_path, model, opt, step, elapsed, extra())
    summary = {"name": cfg["name"], "parameters": n_params, "steps": step, "tokens_seen": tokens_seen,
               "wall_minutes": round(elapsed / 60, 1), "threads": args.threads, "history": history}
    if kind == "decoder":
        summary["examples_drawn"] = mix.drawn
    with open(os.path.join(args.out, "train_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"done: {step} steps, {tokens_seen / 1e6:.2f}M tokens, {fmt_time(elapsed)}")
    model.to("cpu")
    if args.export:
        export(model, cfg, tok_json, args.export)
        log(f"exported to {args.export}")
    return model, summary


def export(model, cfg, tok_json, out_dir):
    model.eval()
    if cfg["kind"] == "decoder":
        tc = tokenizer_config(tok_json, EOT, IM_END, cfg["train"]["seq_len"], CHATML_TEMPLATE, pad_token=EOT)
        gen = {"eos_token_id": [model.config["eos_token_id"], model.config["bos_token_id"]],
               "max_new_tokens": 256, "do_sample": False, "repetition_penalty": 1.0}
        gen.update(cfg.get("generation", {}))
        save_decoder_folder(model, out_dir, tok_json, tc, generation_config=gen)
        with open(os.path.join(out_dir, "loom-prompts.json"), "w", encoding="utf-8") as f:
            json.dump(prompt_spec(), f, ensure_ascii=False, indent=2)
            f.write("\n")
    else:
        tc = tokenizer_config(tok_json, EOT, EOT, model.config["max_position_embeddings"], pad_token=EOT)
        save_classifier_folder(model, out_dir, tok_json, tc)


def main():
    ap = argparse.ArgumentParser(description="Train a Loom default model")
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir", default=os.path.join(HERE, "runs", "data"))
    ap.add_argument("--tokenizer", default=os.path.join(HERE, "runs", "tokenizer"))
    ap.add_argument("--out", required=True, help="run folder: ckpt.pt, train_summary.json")
    ap.add_argument("--export", help="write the model folder here when done")
    ap.add_argument("--max-minutes", type=float, help="wall-clock budget (overrides the config)")
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 … (the export always runs on CPU)")
    ap.add_argument("--precision", choices=["fp32", "bf16"], help="overrides the config's train.precision")
    ap.add_argument("--log-every", type=float, default=30.0, help="seconds between progress lines")
    train(ap.parse_args())


if __name__ == "__main__":
    main()
