"""Sentiment: SST-2 and the UCI sentiment sentences, labelled 0 (negative) / 1 (positive)."""

import os

from sources.split import in_val, norm_key


def load_sentiment(data):
    rows = []
    with open(os.path.join(data, "sentiment-sst2", "train.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            label, text = line.rstrip("\n").split("\t", 1) if "\t" in line else (None, None)
            if label in ("0", "1") and text.strip():
                rows.append({"text": text.strip(), "label": int(label), "source": "sst2"})
    for name in ("amazon_cells", "imdb", "yelp"):
        with open(os.path.join(data, "sentiment-uci", f"{name}_labelled.txt"), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").rsplit("\t", 1)
                if len(parts) == 2 and parts[1].strip() in ("0", "1") and parts[0].strip():
                    rows.append({"text": parts[0].strip(), "label": int(parts[1]), "source": f"uci-{name}"})
    train, val = [], []
    for r in rows:
        (val if in_val("sent|" + norm_key(r["text"]), 0.04 if r["source"] == "sst2" else 0.15) else train).append(r)
    return train, val
