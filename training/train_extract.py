"""Train, evaluate and export loom-extract, the extractive summariser (a SentenceScorer,
extract_model.py) on BBC News and SciTLDR (extract_data.py), then write its model folder.

    /usr/bin/python3 training/train_extract.py --data ../shared/datasets \\
        --tokenizer models/loom-sentiment --out training/runs/loom-extract --export models/loom-extract \\
        [--max-minutes 10] [--threads 2] [--resume]

The tokenizer is the sentiment model's (the project's 8k byte-level BPE, trained on a corpus that
includes these summaries): no new vocabulary to ship or learn. A checkpoint (`ckpt.pt`) is
written after every epoch; `--resume` continues from it (model, optimizer, epoch, elapsed time,
RNG). Validation (`eval.json`): ROUGE-1/2/L F1 (metrics.py) of the chosen sentences, in document
order, against the reference, next to lead-3 (BBC) and lead-1 (SciTLDR) on the same documents.
"""
import argparse
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
from extract_data import lead, load_documents, select  # noqa: E402
from extract_model import SentenceScorer  # noqa: E402
from metrics import rouge  # noqa: E402
from tokenizer import ByteLevelBPE  # noqa: E402

MODEL = {
    "hidden_size": 128, "intermediate_size": 256, "num_attention_heads": 4,
    "sentence_layers": 0, "document_layers": 2, "hidden_dropout_prob": 0.1, "layer_norm_eps": 1e-5,
    "max_sentence_tokens": 64, "max_sentence_positions": 64,
}
TRAIN = {"epochs": 14, "batch_docs": 16, "lr": 1.5e-3, "min_lr_ratio": 0.05, "weight_decay": 0.05,
         "warmup_steps": 60, "max_train_sentences": 64, "seed": 1234}


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def encode_docs(docs, tok, max_tokens):
    for d in docs:
        d["ids"] = [tok.encode(s)[:max_tokens] or [0] for s in d["sentences"]]


def pad_batch(docs, pad_id, max_sentences=None):
    rows = [d["ids"][:max_sentences] if max_sentences else d["ids"] for d in docs]
    N = max(len(r) for r in rows)
    T = max(len(s) for r in rows for s in r)
    ids = torch.full((len(docs), N, T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(docs), N, T), dtype=torch.long)
    labels = torch.zeros((len(docs), N))
    for b, (d, r) in enumerate(zip(docs, rows)):
        for n, s in enumerate(r):
            ids[b, n, : len(s)] = torch.tensor(s)
            mask[b, n, : len(s)] = 1
        labels[b, : len(r)] = torch.tensor(d["labels"][: len(r)], dtype=torch.float32)
    return ids, mask, labels


def loss_fn(logits, mask, labels):
    """Listwise cross-entropy (the summary sentences should outrank the rest: what selection
    needs) plus per-sentence BCE (keeps the scores readable as probabilities)."""
    real = mask.sum(-1) > 0
    masked = logits.masked_fill(~real, -1e9)
    target = labels / labels.sum(1, keepdim=True).clamp(min=1.0)
    listwise = -(target * F.log_softmax(masked, dim=1)).sum(1).mean()
    bce = F.binary_cross_entropy_with_logits(logits[real], labels[real])
    return listwise + bce


@torch.no_grad()
def score_docs(model, docs, pad_id):
    model.eval()
    out = []
    for i in range(0, len(docs), 8):
        chunk = docs[i : i + 8]
        ids, mask, _ = pad_batch(chunk, pad_id)
        logits = model(ids, mask)
        out.extend(logits[b, : len(d["ids"])].tolist() for b, d in enumerate(chunk))
    model.train()
    return out


def evaluate(model, val, pad_id, examples=0):
    scores = score_docs(model, val, pad_id)
    table, samples = {}, []
    for source in ("bbc", "scitldr"):
        rows = [(d, s) for d, s in zip(val, scores) if d["source"] == source]
        k = rows[0][0]["k"]
        sums = {"model": [0.0] * 3, f"lead-{k}": [0.0] * 3, "lead-1": [0.0] * 3, "lead-3": [0.0] * 3}
        for d, s in rows:
            picks = {"model": select(s, k), f"lead-{k}": lead(d, k), "lead-1": lead(d, 1), "lead-3": lead(d, 3)}
            for name, idx in picks.items():
                r = rouge(" ".join(d["sentences"][i] for i in idx), d["reference"])
                for j, key in enumerate(("rouge1", "rouge2", "rougeL")):
                    sums[name][j] += r[key]
        table[source] = {"documents": len(rows), "sentences_chosen": k,
                         **{name: {key: round(100 * v / len(rows), 2) for key, v in zip(("rouge1", "rouge2", "rougeL"), vals)}
                            for name, vals in sums.items()}}
        for d, s in rows[:examples]:
            samples.append({"source": source, "group": d["group"], "chosen": [d["sentences"][i] for i in select(s, k)],
                            "lead": [d["sentences"][i] for i in lead(d, k)], "reference": d["reference"]})
    return table, samples


def write_validation(val, path):
    """The validation documents for `npm run eval` (server/eval/extractive.ts): the same rows
    through the engine."""
    keys = ("source", "group", "sentences", "reference", "body_start", "k")
    with open(path, "w", encoding="utf-8") as f:
        for d in val:
            f.write(json.dumps({k: d[k] for k in keys}, ensure_ascii=False) + "\n")


def lr_at(step, total, cfg):
    if step < cfg["warmup_steps"]:
        return cfg["lr"] * (step + 1) / cfg["warmup_steps"]
    p = min(1.0, (step - cfg["warmup_steps"]) / max(1, total - cfg["warmup_steps"]))
    return cfg["lr"] * (cfg["min_lr_ratio"] + (1 - cfg["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * p)))


def export(model, tok_dir, out_dir, pad_id):
    from export_onnx import OPSET, _check, _write_json

    os.makedirs(os.path.join(out_dir, "onnx"), exist_ok=True)
    _write_json(os.path.join(out_dir, "config.json"), model.config)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok_dir, name), os.path.join(out_dir, name))
    ids = torch.randint(0, model.config["vocab_size"], (1, 3, 5))
    mask = torch.tensor([[[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0]]])
    model.eval()
    path = os.path.join(out_dir, "onnx", "model.onnx")
    axes = {0: "batch_size", 1: "sentences", 2: "sentence_length"}
    # Grad enabled: in eval mode under no_grad torch 1.13 takes a fused encoder path with no export.
    with torch.enable_grad():
        torch.onnx.export(model, (ids, mask), path, input_names=["input_ids", "attention_mask"],
                          output_names=["scores"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "scores": {0: "batch_size", 1: "sentences"}},
                          opset_version=OPSET, do_constant_folding=True)
    _check(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--tokenizer", required=True, help="a folder with tokenizer.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--export")
    ap.add_argument("--max-minutes", type=float, default=10.0)
    ap.add_argument("--epochs", type=int, default=TRAIN["epochs"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    random.seed(TRAIN["seed"])
    torch.manual_seed(TRAIN["seed"])
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.tokenizer, "tokenizer.json"), encoding="utf-8") as f:
        tok_json = json.load(f)
    tok = ByteLevelBPE.from_json(tok_json)
    pad_id = tok.token_id("<|endoftext|>")
    t0 = time.time()
    train, val = load_documents(args.data)
    encode_docs(train + val, tok, MODEL["max_sentence_tokens"])
    log(f"documents: train {len(train)}, val {len(val)} ({time.time() - t0:.0f} s to load and tokenise)")
    write_validation(val, os.path.join(args.out, "val.jsonl"))

    cfg = {"model_type": "loom_sentence_scorer", "architectures": ["LoomSentenceScorer"], **MODEL,
           "vocab_size": len(tok.vocab), "pad_token_id": pad_id, "torch_dtype": "float32",
           "loom": {"kind": "extractive-summarizer", "tasks": ["summarize"], "languages": ["en"],
                    "display_name": "Loom Extract"}}
    model = SentenceScorer(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": TRAIN["weight_decay"]},
                             {"params": rest, "weight_decay": 0.0}], lr=TRAIN["lr"])
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    epoch, elapsed, step = 0, 0.0, 0
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["state_dict"])
        opt.load_state_dict(ck["optimizer"])
        epoch, elapsed, step = ck["epoch"], ck["elapsed"], ck["step"]
        random.setstate(ck["py_rng"])
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed at epoch {epoch} ({elapsed / 60:.1f} min in)")

    # Length buckets: documents of similar sentence counts share a batch (less padding).
    order = sorted(range(len(train)), key=lambda i: len(train[i]["ids"]))
    batches = [order[i : i + TRAIN["batch_docs"]] for i in range(0, len(order), TRAIN["batch_docs"])]
    total = args.epochs * len(batches)
    budget = args.max_minutes * 60
    model.train()
    while epoch < args.epochs and elapsed < budget:
        start = time.time()
        random.shuffle(batches)
        run_loss = 0.0
        for b in batches:
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total, TRAIN)
            ids, mask, labels = pad_batch([train[i] for i in b], pad_id, TRAIN["max_train_sentences"])
            loss = loss_fn(model(ids, mask), mask, labels)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            run_loss += loss.item()
            step += 1
            if step % 50 == 0:
                log(f"step {step}/{total}: loss {loss.item():.3f}, {(elapsed + time.time() - start) / 60:.1f} min")
        epoch += 1
        elapsed += time.time() - start
        table, _ = evaluate(model, val, pad_id)
        log(f"epoch {epoch}: loss {run_loss / len(batches):.3f}, {elapsed / 60:.1f} min; "
            f"BBC RL {table['bbc']['model']['rougeL']} (lead-3 {table['bbc']['lead-3']['rougeL']}), "
            f"SciTLDR RL {table['scitldr']['model']['rougeL']} (lead-1 {table['scitldr']['lead-1']['rougeL']})")
        torch.save({"config": cfg, "state_dict": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                    "elapsed": elapsed, "step": step, "py_rng": random.getstate(),
                    "torch_rng": torch.get_rng_state()}, ckpt_path)

    table, samples = evaluate(model, val, pad_id, examples=3)
    params = sum(p.numel() for p in model.parameters())
    result = {"validation": table, "parameters": params, "epochs": epoch, "train_minutes": round(elapsed / 60, 2),
              "threads": args.threads, "train_documents": len(train), "examples": samples}
    with open(os.path.join(args.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=2)
    log(json.dumps(table))
    if args.export:
        export(model, args.tokenizer, args.export, pad_id)
        log(f"exported {args.export} ({params / 1e6:.2f} M parameters)")


if __name__ == "__main__":
    main()
