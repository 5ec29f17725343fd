"""Evaluate Loom's default models on the validation splits that data.py wrote (never trained on).

    /usr/bin/python3 training/evaluate.py --model models/loom-chat --ckpt training/runs/loom-chat/ckpt.pt
    /usr/bin/python3 training/evaluate.py --model models/loom-sentiment --ckpt training/runs/loom-sentiment/ckpt.pt

Writes `<run>/eval.json` (next to the checkpoint) and prints a Markdown table.

Metrics (definitions chosen to match the usual tools, implemented in metrics.py because the
packages are not installable offline; `npm run eval` computes the same against the running engine):

* sentiment: accuracy, per source, against the majority-class baseline.
* translation: chrF (sacreBLEU's CHRF defaults: character 6-grams, β = 2, whitespace removed,
  corpus statistics, F averaged over the effective orders) and BLEU (sacreBLEU's corpus BLEU:
  4-grams, brevity penalty, "exp" smoothing; tokenizer 13a, and for Chinese targets the "zh"
  tokenizer: every CJK character is a token) per direction.
* summaries: ROUGE-1/2/L F1 (rouge-score's definitions: lowercased, non-alphanumerics as
  separators, no stemming; L = sentence-level LCS), model vs. the lead-3 baseline.
* code: next-line exact match (whitespace-stripped) and edit similarity
  (1 − Levenshtein / max length) of the first generated line, vs. "repeat the previous line".
* perplexity, per task: of the final assistant reply and its <|im_end|> given the conversation
  before it (teacher forcing), over the first 200 rows that fit the context.
* ONNX: the exported graph is run in onnxruntime-node (Python's onnxruntime is not installed
  here) on a few prompts; max |Δlogit| vs PyTorch and greedy agreement are reported.

Decoding is greedy (as generation_config.json says). Prompts longer than the context allows are
cut from the left here; `npm run eval` instead does what the apps do (summaries of long texts in
pieces, whole code prompts), so those few rows can differ between the two.
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import read_jsonl  # noqa: E402
from export_onnx import load_checkpoint  # noqa: E402
from formats import EOT, IM_END, encode_sentiment, generate, pad_batch, prompt_ids, render  # noqa: E402
from metrics import bleu, chrf, edit_sim, rouge  # noqa: E402
from model import LlamaForCausalLM  # noqa: E402
from onnx_check import ONNX_PROMPTS, SENTIMENT_TEXTS, onnx_check, onnx_sentiment_accuracy  # noqa: E402
from tokenizer import ByteLevelBPE  # noqa: E402

# ------------------------------------------------------------------------------------------
# Teacher forcing
# ------------------------------------------------------------------------------------------


@torch.no_grad()
def reply_nll(model, pairs):
    """Mean NLL per reply token of (prompt ids, reply ids) pairs, teacher forcing."""
    model.eval()
    tot, n = 0.0, 0
    for prompt, reply in pairs:
        ids = torch.tensor([prompt + reply])
        logits, _ = model(ids[:, :-1])
        nll = F.cross_entropy(logits[0, len(prompt) - 1:], ids[0, len(prompt):], reduction="sum")
        tot += float(nll)
        n += len(reply)
    return tot / max(n, 1)


# ------------------------------------------------------------------------------------------
# Evaluations
# ------------------------------------------------------------------------------------------


def eval_sentiment(model, tok, data_dir):
    rows = read_jsonl(os.path.join(data_dir, "sentiment.val.jsonl"))
    items = encode_sentiment(tok, rows, model.config["max_position_embeddings"])
    pad = tok.vocab[EOT]
    per, preds = {}, []
    with torch.no_grad():
        for i in range(0, len(items), 256):
            chunk = items[i:i + 256]
            ids, mask, y = pad_batch(chunk, pad)
            preds += model(ids, mask).argmax(-1).tolist()
    for (_, y, src), p in zip(items, preds):
        c = per.setdefault(src, [0, 0, 0])
        c[0] += int(p == y)
        c[1] += 1
        c[2] += y
    n = len(items)
    acc = sum(int(p == y) for (_, y, _), p in zip(items, preds)) / n
    pos = sum(y for _, y, _ in items) / n
    res = {"n": n, "accuracy": acc, "majority_baseline": max(pos, 1 - pos),
           "per_source": {k: {"n": c[1], "accuracy": c[0] / c[1], "majority_baseline": max(c[2] / c[1], 1 - c[2] / c[1])}
                          for k, c in sorted(per.items())}}
    # rows that carry a language (the bilingual split): accuracy per language, the targets' unit
    langs = {}
    for r, (_, y, _), p in zip(rows, items, preds):
        if r.get("lang"):
            c = langs.setdefault(r["lang"], [0, 0, 0])
            c[0] += int(p == y)
            c[1] += 1
            c[2] += y
    if langs:
        res["per_language"] = {k: {"n": c[1], "accuracy": c[0] / c[1], "majority_baseline": max(c[2] / c[1], 1 - c[2] / c[1])}
                               for k, c in sorted(langs.items())}
    return res


def eval_chat(model, tok, data_dir, n_translate=150, n_summary=100, n_code=200, n_ppl=200, quick=False):
    val = read_jsonl(os.path.join(data_dir, "chat.val.jsonl"))
    stop = {tok.vocab[IM_END], tok.vocab[EOT]}
    res = {}
    t0 = time.time()

    # perplexity of the final reply (and <|im_end|>) given the conversation before it, per task;
    # rows that do not fit the context are left out (npm run eval uses the same definition)
    n_ppl = 24 if quick else n_ppl
    max_pos = model.config["max_position_embeddings"]
    res["perplexity"], res["perplexity_n"] = {}, {}
    for task in sorted({ex["task"] for ex in val}, key=[ex["task"] for ex in val].index):
        pairs = []
        for ex in val:
            if ex["task"] != task or ex["messages"][-1]["role"] != "assistant":
                continue
            prompt = tok.encode(render(ex["messages"][:-1], add_generation_prompt=True))
            reply = tok.encode(ex["messages"][-1]["content"]) + [tok.vocab[IM_END]]
            if len(prompt) + len(reply) <= max_pos:
                pairs.append((prompt, reply))
            if len(pairs) == n_ppl:
                break
        res["perplexity"][task] = math.exp(reply_nll(model, pairs))
        res["perplexity_n"][task] = len(pairs)

    # translation, per direction; Tatoeba and Multi30k apart
    tr = {}
    for ex in val:
        if ex["task"] == "translate":
            tr.setdefault((ex["source"], tuple(ex["pair"])), []).append(ex)
    res["translation"] = {}
    samples = {}
    for (src, pair), exs in sorted(tr.items()):
        exs = exs[: (24 if quick else n_translate if src.startswith("tatoeba") else n_translate * 2 // 3)]
        outs = generate(model, [prompt_ids(tok, e["messages"]) for e in exs], 64, stop)
        hyps = [tok.decode(o).strip() for o in outs]
        refs = [e["messages"][-1]["content"] for e in exs]
        key = f"{pair[0]}→{pair[1]} ({src})"
        res["translation"][key] = {"n": len(exs), "chrF": chrf(hyps, refs), "BLEU": bleu(hyps, refs, zh=pair[1] == "zh")}
        samples[key] = [{"src": e["messages"][1]["content"], "ref": r, "hyp": h} for e, r, h in zip(exs[:5], refs, hyps)]

    # summaries: BBC (vs lead-3), and the short-summary sets
    bbc = [e for e in val if e["task"] == "summarize" and e["source"] == "bbc"][: (20 if quick else n_summary)]
    outs = generate(model, [prompt_ids(tok, e["messages"]) for e in bbc], 128, stop, batch=8)
    hyps = [tok.decode(o).strip() for o in outs]
    refs = [e["messages"][-1]["content"] for e in bbc]
    m = [rouge(h, r) for h, r in zip(hyps, refs)]
    b = [rouge(e["lead3"], r) for e, r in zip(bbc, refs)]
    avg = lambda xs, k: 100 * sum(x[k] for x in xs) / max(1, len(xs))  # noqa: E731
    res["summary_bbc"] = {"n": len(bbc), "model": {k: avg(m, k) for k in ("rouge1", "rouge2", "rougeL")},
                          "lead3": {k: avg(b, k) for k in ("rouge1", "rouge2", "rougeL")},
                          "mean_words": {"model": sum(len(h.split()) for h in hyps) / max(1, len(hyps)),
                                         "reference": sum(len(r.split()) for r in refs) / max(1, len(refs))}}
    samples["summary_bbc"] = [{"ref": r, "hyp": h} for r, h in zip(refs[:3], hyps[:3])]
    short = [e for e in val if e["task"] == "summarize" and e["source"] != "bbc"][: (20 if quick else n_summary)]
    if short:
        outs = generate(model, [prompt_ids(tok, e["messages"]) for e in short], 64, stop, batch=8)
        hyps = [tok.decode(o).strip() for o in outs]
        m = [rouge(h, e["messages"][-1]["content"]) for h, e in zip(hyps, short)]
        res["summary_short"] = {"n": len(short), "sources": sorted({e["source"] for e in short}),
                                "model": {k: avg(m, k) for k in ("rouge1", "rouge2", "rougeL")}}

    # code: the first generated line
    code = [e for e in val if e["task"] == "code"][: (40 if quick else n_code)]
    nl = {i for t, i in tok.vocab.items() if "Ċ" in t}
    outs = generate(model, [prompt_ids(tok, e["messages"]) for e in code], 48, stop, stop_on_newline_id=lambda t: t in nl)
    first = [tok.decode(o).split("\n")[0] for o in outs]
    # the model sometimes starts with a newline token: then take the first non-empty line
    for i, o in enumerate(outs):
        if not first[i].strip():
            lines = [l for l in tok.decode(o).split("\n") if l.strip()]
            first[i] = lines[0] if lines else ""
    gold = [e["next_line"] for e in code]
    prev = [e["prev_line"] for e in code]
    res["code"] = {"n": len(code),
                   "model": {"exact_match": 100 * sum(a.strip() == g.strip() for a, g in zip(first, gold)) / max(1, len(code)),
                             "edit_similarity": 100 * sum(edit_sim(a, g) for a, g in zip(first, gold)) / max(1, len(code))},
                   "repeat_previous_line": {"exact_match": 100 * sum(a.strip() == g.strip() for a, g in zip(prev, gold)) / max(1, len(code)),
                                            "edit_similarity": 100 * sum(edit_sim(a, g) for a, g in zip(prev, gold)) / max(1, len(code))}}
    samples["code"] = [{"next": g, "hyp": h} for g, h in zip(gold[:5], first[:5])]
    res["seconds"] = round(time.time() - t0, 1)
    return res, samples


# ------------------------------------------------------------------------------------------


def markdown(res):
    lines = []
    if "sentiment" in res:
        s = res["sentiment"]
        lines += ["| split | n | accuracy | majority baseline |", "| --- | --- | --- | --- |",
                  f"| all validation | {s['n']} | {s['accuracy']:.3f} | {s['majority_baseline']:.3f} |"]
        lines += [f"| {k} | {v['n']} | {v['accuracy']:.3f} | {v['majority_baseline']:.3f} |" for k, v in s["per_source"].items()]
    if "translation" in res:
        lines += ["| direction (val set) | n | chrF | BLEU |", "| --- | --- | --- | --- |"]
        lines += [f"| {k} | {v['n']} | {v['chrF']:.1f} | {v['BLEU']:.1f} |" for k, v in res["translation"].items()]
        s = res["summary_bbc"]
        lines += ["", "| summaries (BBC val, n=%d) | ROUGE-1 | ROUGE-2 | ROUGE-L |" % s["n"], "| --- | --- | --- | --- |"]
        for name in ("model", "lead3"):
            r = s[name]
            lines.append(f"| {'loom-chat' if name == 'model' else 'lead-3 baseline'} | {r['rouge1']:.1f} | {r['rouge2']:.1f} | {r['rougeL']:.1f} |")
        if "summary_short" in res:
            r = res["summary_short"]["model"]
            lines.append(f"| loom-chat, short-summary sets ({', '.join(res['summary_short']['sources'])}, n={res['summary_short']['n']}) | {r['rouge1']:.1f} | {r['rouge2']:.1f} | {r['rougeL']:.1f} |")
        c = res["code"]
        lines += ["", f"| code next line (val, n={c['n']}) | exact match % | edit similarity % |", "| --- | --- | --- |",
                  f"| loom-chat | {c['model']['exact_match']:.1f} | {c['model']['edit_similarity']:.1f} |",
                  f"| repeat previous line | {c['repeat_previous_line']['exact_match']:.1f} | {c['repeat_previous_line']['edit_similarity']:.1f} |"]
        lines += ["", "| validation perplexity (final reply) | " + " | ".join(res["perplexity"]) + " |",
                  "| --- | " + " | ".join("---" for _ in res["perplexity"]) + " |",
                  "| loom-chat | " + " | ".join(f"{v:.2f}" for v in res["perplexity"].values()) + " |"]
    if "onnx" in res:
        o = res["onnx"]
        lines += ["", "ONNX vs PyTorch: " + (o["skipped"] if "skipped" in o else
                  f"max |Δlogit| {o['max_abs_logit_diff']:.2e}, argmax agreement {o['argmax_agreement']:.3f} "
                  f"({o['cases']} prompts, {o['runtime']})")]
    if "onnx_accuracy" in res and "accuracy" in res["onnx_accuracy"]:
        o = res["onnx_accuracy"]
        lines += [f"ONNX (onnxruntime-node) accuracy on {o['n']} validation rows: {o['accuracy']:.4f} "
                  f"(PyTorch {o['pytorch_accuracy']:.4f}, predictions agree on {100 * o['prediction_agreement']:.2f} %)"]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="Evaluate a Loom default model")
    ap.add_argument("--model", required=True, help="exported model folder (tokenizer + onnx)")
    ap.add_argument("--ckpt", required=True, help="the PyTorch checkpoint it was exported from")
    ap.add_argument("--data-dir", default=os.path.join(HERE, "runs", "data"))
    ap.add_argument("--out", help="eval.json path (default: next to the checkpoint)")
    ap.add_argument("--quick", action="store_true", help="few examples per metric")
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.ckpt)
    with open(os.path.join(args.model, "tokenizer.json"), encoding="utf-8") as f:
        tok = ByteLevelBPE.from_json(json.load(f))
    res, samples = {}, {}
    if isinstance(model, LlamaForCausalLM):
        res, samples = eval_chat(model, tok, args.data_dir, quick=args.quick)
        if not args.no_onnx:
            res["onnx"] = onnx_check(model, args.model, tok, ONNX_PROMPTS)
    else:
        res["sentiment"] = eval_sentiment(model, tok, args.data_dir)
        if not args.no_onnx:
            res["onnx"] = onnx_check(model, args.model, tok, SENTIMENT_TEXTS)
            res["onnx_accuracy"] = onnx_sentiment_accuracy(model, args.model, tok, args.data_dir)
    out = args.out or os.path.join(os.path.dirname(args.ckpt), "eval.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": res, "samples": samples}, f, ensure_ascii=False, indent=1)
    print(markdown(res))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
