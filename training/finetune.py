"""Continue training an installed Loom model folder on users' liked answers (a feedback export).

    /usr/bin/python3 training/finetune.py --base models/loom-chat --data export.jsonl \\
        --out runs/finetune/loom-chat-ft-20261202 [--steps 200] [--device cuda]

Reads the base folder's weights (finetune_weights.py: safetensors / pytorch_model.bin, else the
ONNX initializers), splits the export by conversation (finetune_data.py: ~10 % held back), trains
on the liked answers' tokens only (the ChatML template of the base's tokenizer; system/user text
and earlier turns are context with loss weight 0), optionally adds a DPO term on preference rows
(format B), and writes a new model folder: ONNX, tokenizer, config.json (a new display name, the
base's `loom` keys kept) and the base's other files. Beside it, in `<out>.work/`: heldback.jsonl
(the rows `npm run eval -- --feedback` scores before and after) and train.json (what the card
reports). finetune_card.py then writes the card, loom-quality.json and the upload archive.

Exit code 2, with a message, for a base or an export the recipe cannot use.
"""

import argparse
import copy
import datetime
import json
import math
import os
import random
import shutil
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # shared cores: see train.py

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from export_onnx import save_decoder_folder  # noqa: E402
from kv_layout import layout_of  # noqa: E402
from finetune_data import (ExportError, preference_examples, read_export, split,  # noqa: E402
                           training_examples, write_jsonl)
from finetune_weights import Unsupported, load_base, read_json  # noqa: E402
from tokenizer import ByteLevelBPE  # noqa: E402
from train import make_optimizer  # noqa: E402

# Files the export writes itself; every other top-level file of the base is copied (loom-prompts.json,
# code-sources.json, loom-quality.json …). The card is new; weights in other formats (and a fixture's
# golden.json reference logits) would be stale.
WRITTEN = {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "README.md"}
STALE = {"model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "golden.json"}


def pad(examples, pad_id, dev):
    L = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), L), pad_id, dtype=torch.long)
    w = torch.zeros(len(examples), L)
    for i, (x, wx) in enumerate(examples):
        ids[i, : len(x)] = torch.tensor(x)
        w[i, : len(wx)] = torch.tensor(wx)
    return ids.to(dev), w.to(dev)


def answer_logprob(model, ids, w):
    """Per row: the summed log-probability of the weighted (answer) tokens, and their count.
    Right padding has weight 0 and, the model being causal, never changes a real token's logits."""
    logits, _ = model(ids[:, :-1])
    lp = -F.cross_entropy(logits.float().transpose(1, 2), ids[:, 1:], reduction="none")
    tw = w[:, 1:]
    return (lp * tw).sum(1), tw.sum(1)


def lr_at(step, steps, lr, warmup):
    if step < warmup:
        return lr * (step + 1) / warmup
    p = (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def train(model, sft, pairs, args, pad_id, log):
    dev = torch.device(args.device)
    model.to(dev).train()
    reference = None
    if pairs and args.dpo_beta > 0:
        reference = copy.deepcopy(model).eval()
        for p in reference.parameters():
            p.requires_grad_(False)
    opt = make_optimizer(model, {"lr": args.lr, "weight_decay": 0.0})
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    warmup = max(1, args.steps // 10)
    history = []
    started = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, warmup)
        batch = [sft[rng.randrange(len(sft))] for _ in range(min(args.batch_size, len(sft)))]
        ids, w = pad(batch, pad_id, dev)
        lp, n = answer_logprob(model, ids, w)
        loss = -(lp.sum() / n.sum().clamp(min=1))
        sft_loss = float(loss)
        dpo_loss = None
        if reference is not None:
            chosen, rejected = zip(*[pairs[rng.randrange(len(pairs))] for _ in range(min(args.batch_size, len(pairs)))])
            (ci, cw), (ri, rw) = pad(list(chosen), pad_id, dev), pad(list(rejected), pad_id, dev)
            pc, _ = answer_logprob(model, ci, cw)
            pr, _ = answer_logprob(model, ri, rw)
            with torch.no_grad():
                qc, _ = answer_logprob(reference, ci, cw)
                qr, _ = answer_logprob(reference, ri, rw)
            dpo = -F.logsigmoid(args.dpo_beta * ((pc - qc) - (pr - qr))).mean()
            dpo_loss = float(dpo)
            loss = loss + args.dpo_weight * dpo
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        history.append({"step": step + 1, "loss": round(sft_loss, 4), **({"dpo": round(dpo_loss, 4)} if dpo_loss is not None else {})})
        if (step + 1) % max(1, args.steps // 10) == 0 or step + 1 == args.steps:
            log(f"step {step + 1}/{args.steps}  loss {sft_loss:.4f}" + (f"  dpo {dpo_loss:.4f}" if dpo_loss is not None else "")
                + f"  {time.time() - started:.0f}s")
    return history, time.time() - started


def write_folder(model, base, out, tok_json, tok_config, base_cfg, name):
    model = model.cpu().eval()
    cfg = dict(model.config)
    loom = dict(base_cfg.get("loom") or {})
    loom["display_name"] = name
    loom["finetuned_from"] = os.path.basename(os.path.normpath(base))
    cfg["loom"] = loom
    model.config = cfg
    gen_path = os.path.join(base, "generation_config.json")
    gen = read_json(gen_path) if os.path.isfile(gen_path) else None
    tmp = out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    # The new graph keeps the base's KV layout (loom-chat ships the appended one, decision 032).
    base_graph = os.path.join(base, "onnx", "model.onnx")
    kv_layout = layout_of(base_graph) if os.path.isfile(base_graph) else "present"
    save_decoder_folder(model, tmp, tok_json, tok_config, generation_config=gen, kv_layout=kv_layout)
    for entry in sorted(os.listdir(base)):
        src = os.path.join(base, entry)
        if entry in WRITTEN or entry in STALE or not os.path.isfile(src):
            continue
        shutil.copy2(src, os.path.join(tmp, entry))
    # the base's tokenizer files byte for byte (the export re-serialises them)
    for entry in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy2(os.path.join(base, entry), os.path.join(tmp, entry))
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="an installed model folder (config.json, tokenizer.json, weights)")
    ap.add_argument("--data", required=True, help="a feedback export (JSONL, chat-messages format; preference rows too)")
    ap.add_argument("--out", required=True, help="the new model folder")
    ap.add_argument("--work", help="held-back rows and train.json (default: <out>.work)")
    ap.add_argument("--name", help="display name (default: '<base> fine-tuned <date>')")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--held-back", type=float, default=0.1, help="share of conversations held back for evaluation")
    ap.add_argument("--max-len", type=int, help="tokens per example (default: the base's context, at most 512)")
    ap.add_argument("--dpo-beta", type=float, default=0.1, help="DPO temperature on preference rows; 0 turns DPO off")
    ap.add_argument("--dpo-weight", type=float, default=1.0, help="weight of the DPO loss next to the liked answers' loss")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    if args.steps < 1 or args.batch_size < 1 or not 0 < args.held_back < 1:
        ap.error("--steps and --batch-size must be positive and --held-back between 0 and 1")
    torch.set_num_threads(args.threads)
    log = lambda m: print(m, flush=True)  # noqa: E731

    try:
        model, cfg, tok_json, tok_config, source = load_base(args.base)
        rows = read_export(args.data)
    except (Unsupported, ExportError, OSError, UnicodeDecodeError) as e:
        print(f"finetune: {e}", file=sys.stderr)
        return 2
    tok = ByteLevelBPE.from_json(tok_json)
    max_len = args.max_len or min(cfg["max_position_embeddings"], 512)
    train_rows, held_rows = split(rows, args.held_back)
    sft = training_examples(tok, train_rows, max_len)
    pairs = preference_examples(tok, train_rows, max_len)
    if not sft:
        print(f"finetune: {args.data} has no liked answer (rating 1) in the training slice that fits {max_len} tokens",
              file=sys.stderr)
        return 2
    log(f"base {args.base} ({source}); {len(rows)} rows: {len(train_rows)} train, {len(held_rows)} held back; "
        f"{len(sft)} liked answers, {len(pairs)} preference pairs")

    history, seconds = train(model, sft, pairs, args, cfg.get("pad_token_id") or 0, log)
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    base_name = (cfg.get("loom") or {}).get("display_name") or os.path.basename(os.path.normpath(args.base))
    name = args.name or f"{base_name} fine-tuned {created.date().isoformat()}"
    write_folder(model, args.base, args.out, tok_json, tok_config, cfg, name)

    work = args.work or args.out.rstrip("/") + ".work"
    os.makedirs(work, exist_ok=True)
    write_jsonl(os.path.join(work, "heldback.jsonl"), held_rows)
    summary = {
        "base": {"path": os.path.relpath(os.path.abspath(args.base), os.path.dirname(HERE)),
                 "name": os.path.basename(os.path.normpath(args.base)), "weights": source},
        "name": name,
        "data": {"file": os.path.basename(args.data), "rows": len(rows), "train_rows": len(train_rows),
                 "held_back_rows": len(held_rows), "pairs": sum(1 for r in rows if r["kind"] == "pair"),
                 "liked_train": len(sft), "pairs_train": len(pairs),
                 "liked": sum(1 for r in rows if r["kind"] == "rated" and r["rating"] == 1),
                 "disliked": sum(1 for r in rows if r["kind"] == "rated" and r["rating"] == -1),
                 "apps": sorted({r.get("app") for r in rows if r.get("app")}),
                 "models": sorted({r.get("model") for r in rows if r.get("model")})},
        "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "max_len": max_len,
        "dpo": {"beta": args.dpo_beta, "weight": args.dpo_weight} if pairs and args.dpo_beta > 0 else None,
        "seed": args.seed, "device": args.device, "seconds": round(seconds, 1),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "loss_first": history[0]["loss"], "loss_last": history[-1]["loss"],
    }
    with open(os.path.join(work, "train.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")
    log(f"wrote {args.out} and {work}/ (heldback.jsonl, train.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
