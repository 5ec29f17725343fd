"""Data for the bilingual sentiment classifier (loom-sentiment, English and Chinese).

    /usr/bin/python3 training/sentiment_data.py --data ../shared/datasets --out training/runs/sentiment-data

Writes sentiment.{train,val}.jsonl ({"text", "label", "source", "lang"}; the classifier job's
input), tokenizer_corpus.txt (the train texts) and stats.json (rows and positive share per
source and split). See sources/sentiment_bilingual.py for the sources and the splits.
"""

import argparse
import json
import os
import random
import sys

from data import write_jsonl
from sources.sentiment_bilingual import load_bilingual_sentiment

HERE = os.path.dirname(os.path.abspath(__file__))


def prepare(data, out, seed=1234):
    os.makedirs(out, exist_ok=True)
    train, val = load_bilingual_sentiment(data)
    random.Random(seed).shuffle(train)
    write_jsonl(os.path.join(out, "sentiment.train.jsonl"), train)
    write_jsonl(os.path.join(out, "sentiment.val.jsonl"), val)
    with open(os.path.join(out, "tokenizer_corpus.txt"), "w", encoding="utf-8") as f:
        for r in train:
            f.write(r["text"].replace("\n", " ") + "\n")
    stats = {}
    for split, rows in (("train", train), ("val", val)):
        for r in rows:
            s = stats.setdefault(f"{split}/{r['source']}", {"rows": 0, "positive": 0})
            s["rows"] += 1
            s["positive"] += r["label"]
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(dict(sorted(stats.items())), f, indent=1)
    print(json.dumps(dict(sorted(stats.items()))), file=sys.stderr)
    return stats


def main():
    ap = argparse.ArgumentParser(description="Prepare the bilingual sentiment data")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "sentiment-data"))
    args = ap.parse_args()
    prepare(args.data, args.out)


if __name__ == "__main__":
    main()
