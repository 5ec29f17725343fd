"""Evaluate the code model (loom-code) on files from held-out packages.

    /usr/bin/python3 training/evaluate_code.py --model models/loom-code --ckpt training/runs/loom-code/ckpt.pt \\
        --data-dir training/runs/code-data --out training/runs/loom-code/eval.json

Next-line exact match (code_eval.py) in three settings, each against "repeat the previous line",
over all sampled non-blank lines and over those of >= 10 non-blank characters, per language:

* `prefix20`: the 20 lines before the line (the issue's measure), raw completion;
* `full`: the whole file before the line, as much as fits 1,024 tokens, raw completion;
* `fim20`: 20 lines before, then the 20 lines after as the FIM suffix.

It also writes the tasks (`tasks.jsonl` beside eval.json: prefix, suffix, next and previous
line), so that `npm run eval` asks Loom's engine the same prompts; and compares the exported ONNX
graph's logits with PyTorch's on a few code prompts (onnx_check.py).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from code_eval import next_line_eval, sample_line_tasks  # noqa: E402
from data import read_jsonl  # noqa: E402
from export_onnx import load_checkpoint  # noqa: E402
from onnx_check import onnx_check  # noqa: E402
from tokenizer import ByteLevelBPE  # noqa: E402

SETTINGS = {"prefix20": {"prefix_lines": 20, "fim": False}, "full": {"prefix_lines": None, "fim": False},
            "fim20": {"prefix_lines": 20, "fim": True}}
ONNX_CODE_PROMPTS = ["def add(a, b):\n    ", "function greet(name) {\n  return ",
                     "<|fim_prefix|>const x = <|fim_suffix|>;\nconsole.log(x);\n<|fim_middle|>"]


def by_lang(model, tok, tasks, max_prompt, setting):
    out = {"all": next_line_eval(model, tok, tasks, max_prompt, **setting)}
    hyps = out["all"].pop("hyps")
    for lang in sorted({t["lang"] for t in tasks}):
        idx = [i for i, t in enumerate(tasks) if t["lang"] == lang]
        sub = [tasks[i] for i in idx]
        hit = [hyps[i].strip() == tasks[i]["next_line"].strip() for i in idx]
        base = [tasks[i]["prev_line"].strip() == tasks[i]["next_line"].strip() for i in idx]
        out[lang] = {"n": len(sub), "exact_match": 100 * sum(hit) / max(1, len(sub)),
                     "repeat_previous_line": 100 * sum(base) / max(1, len(sub))}
    return out, hyps


def markdown(res):
    lines = ["| setting | lines | loom-code EM % | repeat previous line EM % | loom-code EM % (>= 10 chars) | baseline (>= 10 chars) | edit sim % |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in res["settings"].items():
        a = r["all"]
        lines.append(f"| {name} | {a['model']['n']} | {a['model']['exact_match']:.1f} | {a['repeat_previous_line']['exact_match']:.1f} | "
                     f"{a['model_long']['exact_match']:.1f} (n={a['model_long']['n']}) | {a['repeat_previous_line_long']['exact_match']:.1f} | "
                     f"{a['model']['edit_similarity']:.1f} |")
    lines += ["", "| setting | language | lines | EM % | baseline EM % |", "| --- | --- | --- | --- | --- |"]
    for name, r in res["settings"].items():
        for lang, x in r.items():
            if lang != "all":
                lines.append(f"| {name} | {lang} | {x['n']} | {x['exact_match']:.1f} | {x['repeat_previous_line']:.1f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="Evaluate loom-code on held-out packages")
    ap.add_argument("--model", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data-dir", default=os.path.join(HERE, "runs", "code-data"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=300, help="lines sampled from the held-out files")
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-onnx", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.ckpt)
    with open(os.path.join(args.model, "tokenizer.json"), encoding="utf-8") as f:
        tok = ByteLevelBPE.from_json(json.load(f))
    tasks = sample_line_tasks(read_jsonl(os.path.join(args.data_dir, "code.val.jsonl")), args.n, seed=4321)
    max_prompt = model.config["max_position_embeddings"] - 48
    res = {"n": len(tasks), "packages": sorted({t["package"] for t in tasks}), "settings": {}, "samples": {}}
    task_rows = [{"prefix": "\n".join(t["before"][-20:]) + "\n", "suffix": "\n".join(t["after"][:20]),
                  "next_line": t["next_line"], "prev_line": t["prev_line"], "lang": t["lang"], "path": t["path"]}
                 for t in tasks]
    for name in args.settings.split(","):
        t0 = time.time()
        r, hyps = by_lang(model, tok, tasks, max_prompt, SETTINGS[name])
        res["samples"][name] = r["all"].pop("samples")
        res["settings"][name] = r
        for row, h in zip(task_rows, hyps):
            row[f"hyp_{name}"] = h
        print(f"{name}: {json.dumps(r['all'])} ({time.time() - t0:.0f}s)", flush=True)
    # what npm run eval compares with (scripts/eval.ts reads "results")
    res["results"] = {"code_completion": {k: v["all"] for k, v in res["settings"].items()}}
    if not args.no_onnx:
        res["onnx"] = onnx_check(model, args.model, tok, ONNX_CODE_PROMPTS)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), "tasks.jsonl"), "w", encoding="utf-8") as f:
        for row in task_rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(markdown(res))


if __name__ == "__main__":
    main()
