"""Data for the code model (loom-code): whole files from the permissively licensed packages
under node_modules and the Python standard library, split by package.

    /usr/bin/python3 training/code_data.py --node-modules node_modules --out training/runs/code-data

Writes, under --out:

    code.train.jsonl / code.val.jsonl   {"path", "package", "licence", "lang", "text"}: whole files;
                                        validation files come only from held-out packages
    code_sources.json                   every package used, with version, licence, files, chars, split
    tokenizer_corpus.txt                a deterministic ~10 MB sample of the train files for the BPE
    stats.json                          files and characters per language and split
"""

import argparse
import json
import os
import random
import sys

from data import write_jsonl
from sources.code_corpus import gather_corpus

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def prepare(node_modules, stdlib, out, tokenizer_chars=10_000_000, seed=1234):
    os.makedirs(out, exist_ok=True)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    train, val, sources = gather_corpus(node_modules, stdlib, log=log)
    rng = random.Random(seed)
    rng.shuffle(train)
    write_jsonl(os.path.join(out, "code.train.jsonl"), train)
    write_jsonl(os.path.join(out, "code.val.jsonl"), val)
    with open(os.path.join(out, "code_sources.json"), "w", encoding="utf-8") as f:
        json.dump(sources, f, indent=1)
    with open(os.path.join(out, "tokenizer_corpus.txt"), "w", encoding="utf-8") as f:
        n = 0
        for ex in train:  # already shuffled: every language in proportion
            if n >= tokenizer_chars:
                break
            f.write(ex["text"] + "\n")
            n += len(ex["text"])
    stats = {}
    for split, rows in (("train", train), ("val", val)):
        for ex in rows:
            s = stats.setdefault(f"{split}/{ex['lang']}", {"files": 0, "chars": 0})
            s["files"] += 1
            s["chars"] += len(ex["text"])
    stats["packages"] = {sp: sum(1 for s in sources if s["split"] == sp) for sp in ("train", "val")}
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    log(json.dumps(stats, indent=1))
    return stats


def main():
    ap = argparse.ArgumentParser(description="Prepare the code model's corpus")
    ap.add_argument("--node-modules", default=os.path.join(ROOT, "node_modules"))
    ap.add_argument("--stdlib", default="/usr/lib/python3.11")
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "code-data"))
    args = ap.parse_args()
    prepare(args.node_modules, args.stdlib, args.out)


if __name__ == "__main__":
    main()
