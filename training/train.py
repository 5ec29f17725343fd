"""Train one of Loom's default models from a config file, then export its model folder.

    /usr/bin/python3 training/train.py --config training/configs/loom-chat.json \\
        --data-dir training/runs/data --tokenizer training/runs/tokenizer \\
        --out training/runs/loom-chat --export models/loom-chat [--max-minutes 80] [--resume]

Two kinds of model, chosen by the config's "kind", each a job class with the same small
interface (model; batch, loss, validate; state/load_state for the checkpoint; summary; export):

* "decoder" (loom-chat, decoder_job.py): a LLaMA decoder trained on packed rows of chat-template
  examples drawn from the multi-task mixture (config "mixture": share of tokens per task,
  "source_weights": up/down-weighting of sources inside a task). Tokens of the assistant's
  replies get loss weight 1, everything else (system/user text, markup) "prompt_loss_weight".
* "code" (loom-code, code_job.py): a LLaMA decoder on raw source files with fill-in-the-middle.
* "classifier" (loom-sentiment, classifier_job.py): the Transformer-encoder classifier on the
  sentiment split.

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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from classifier_job import ClassifierJob  # noqa: E402
from code_job import CodeJob  # noqa: E402
from decoder_job import DecoderJob  # noqa: E402
from tokenizer import ByteLevelBPE  # noqa: E402

JOBS = {"decoder": DecoderJob, "classifier": ClassifierJob, "code": CodeJob}


def log(msg, fh=None):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)


def load_tokenizer(tok_dir):
    with open(os.path.join(tok_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok_json = json.load(f)
    return ByteLevelBPE.from_json(tok_json), tok_json


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
    if cfg["kind"] not in JOBS:
        raise ValueError(f"config kind {cfg['kind']!r}: expected one of {', '.join(JOBS)}")
    job = JOBS[cfg["kind"]](cfg, tok, args.data_dir, log)
    model = job.model

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
        job.load_state(ck)
        log(f"resumed at step {step}, {fmt_time(elapsed)} elapsed")

    max_steps = tcfg["max_steps"]
    bs = tcfg["batch_size"]
    budget = max_minutes * 60 if max_minutes else None
    model.train()
    start = time.time() - elapsed
    last_log, last_val, last_ckpt = time.time(), time.time(), time.time()
    win_tokens, win_t = 0, time.time()

    def extra():
        return {"tokens_seen": tokens_seen, "history": history, **job.state()}

    def validate():
        rec = job.validate(step, tokens_seen, lambda: round((time.time() - start) / 60, 1))
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
        if hasattr(job, "set_progress"):  # a job whose rows change with progress (code_job's seq_len)
            job.set_progress(progress)
        for g in opt.param_groups:
            g["lr"] = lr
        loss, ntok = job.loss(job.batch(bs, dev), autocast(dev, precision))
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
    summary.update(job.summary())
    with open(os.path.join(args.out, "train_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"done: {step} steps, {tokens_seen / 1e6:.2f}M tokens, {fmt_time(elapsed)}")
    model.to("cpu")
    if args.export:
        job.export(tok_json, args.export)
        log(f"exported to {args.export}")
    return model, summary


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
