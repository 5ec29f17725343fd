"""Data preparation for Loom's default models: raw sets → task examples → deterministic splits.

    /usr/bin/python3 training/data.py --data ../shared/datasets --out training/runs/data

Writes, under --out:

    sentiment.{train,val}.jsonl   {"text", "label" (0 negative / 1 positive), "source"}
    chat.{train,val}.jsonl        {"task", "source", "messages": [{"role", "content"}, ...]}
                                  task ∈ chat | summarize | translate | code; the messages are
                                  exactly what the server's task modules send (prompts.py)
    tokenizer_corpus.txt          a sample of the chat mixture for the BPE trainer
    code_sources.json             the packages/files the code corpus came from, with licences
    stats.json                    counts per task/source/split

Each family of sources has its module in sources/ (sentiment, translation, summaries, code,
chat). Splits are decided by a hash of a grouping key (the English sentence of a translation
pair, the article id, the source file …) with a fixed salt, so a row never changes side between
runs, and near-duplicates (Tatoeba's several translations of one sentence) stay on one side.
Nothing from a validation split is ever written into a train file. Dataset files are read, never
copied into the repository: only derived weights and the tokenizer are committed.
"""

import argparse
import json
import os
import random
import sys

from sources.chat import load_chat
from sources.code import load_code
from sources.sentiment import load_sentiment
from sources.summaries import load_summaries, summary_length_variants
from sources.translation import load_translation

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def prepare(data, out, seed=1234, quiet=False, tiny=False):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    s_train, s_val = load_sentiment(data)
    log(f"sentiment: {len(s_train)} train, {len(s_val)} val")
    t_train, t_val = load_translation(data)
    log(f"translate: {len(t_train)} train, {len(t_val)} val")
    m_train, m_val = load_summaries(data)
    log(f"summarize: {len(m_train)} train, {len(m_val)} val")
    c_train, c_val, sources, files = load_code(ROOT, rng) if not tiny else ([], [], [], [])
    log(f"code: {len(c_train)} train, {len(c_val)} val from {len(files)} files")
    h_train, h_val = load_chat(data)
    log(f"chat: {len(h_train)} train, {len(h_val)} val")
    train = t_train + m_train + c_train + h_train
    val = t_val + m_val + c_val + h_val
    rng.shuffle(train)
    rng.shuffle(val)
    rng.shuffle(s_train)
    if tiny:
        train, val, s_train, s_val = train[:400], val[:100], s_train[:400], s_val[:100]
    write_jsonl(os.path.join(out, "sentiment.train.jsonl"), s_train)
    write_jsonl(os.path.join(out, "sentiment.val.jsonl"), s_val)
    write_jsonl(os.path.join(out, "chat.val.jsonl"), val)
    with open(os.path.join(out, "code_sources.json"), "w", encoding="utf-8") as f:
        json.dump(sources, f, indent=1)
    # Tokenizer corpus: the train side only, every task represented, plus the sentiment text.
    # Translation pairs are capped so the other tasks' text (code whitespace, prose) gets merges too.
    corpus, n_tr = [], 0
    for ex in train:
        if ex["task"] == "translate":
            n_tr += 1
            if n_tr > 50000:
                continue
        for m in ex["messages"][1:]:
            corpus.append(m["content"])
    corpus += [r["text"] for r in s_train[:20000]]
    with open(os.path.join(out, "tokenizer_corpus.txt"), "w", encoding="utf-8") as f:
        for t in corpus:
            f.write(t.replace("\r", "") + "\n")
    # Added after the corpus is cut, which keeps the tokenizer's corpus as it was (the variants
    # repeat text the corpus already has).
    train += summary_length_variants(train)
    write_jsonl(os.path.join(out, "chat.train.jsonl"), train)
    stats = {}
    for split, rows in (("train", train), ("val", val)):
        for ex in rows:
            k = f"{split}/{ex['task']}/{ex['source']}"
            stats[k] = stats.get(k, 0) + 1
    stats["sentiment/train"], stats["sentiment/val"] = len(s_train), len(s_val)
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(dict(sorted(stats.items())), f, indent=1)
    log(json.dumps(dict(sorted(stats.items())), indent=1))
    return stats


def main():
    ap = argparse.ArgumentParser(description="Prepare Loom's training data")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets"))
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "data"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--tiny", action="store_true", help="small slice, no code scan (smoke test)")
    args = ap.parse_args()
    prepare(args.data, args.out, args.seed, tiny=args.tiny)


if __name__ == "__main__":
    main()
