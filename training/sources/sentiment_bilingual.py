"""Sentiment in English and Chinese for loom-sentiment, labelled 0 (negative) / 1 (positive).

English: SST-2 (split by sentence, see sst2_split), UCI sentences (Amazon, IMDB, Yelp), IMDB
reviews, VADER's human-rated snippets (mean rating > 0.5 positive, < -0.5 negative, the rest
dropped as neutral). Chinese: ChnSentiCorp hotel reviews and waimai food-delivery reviews.

Every row's side comes from a hash of its normalised text (split.in_val), so the same sentence
in two sets (VADER's movie snippets are Rotten Tomatoes sentences, as SST's are) falls on the
same side as long as both use the same fraction.
"""

import csv
import os
import re

from sources.split import in_val

SENTENCE_VAL = 0.10  # SST-2 sentences and VADER movie snippets: the same fraction, see above
VADER_MARGIN = 0.5


def _key(text):
    """Lower case, letters and digits only: SST's tokenised "does n't -lrb-" and the raw "doesn't ("
    of the same sentence elsewhere give one key."""
    text = re.sub(r"-[lr][rcs]b-", " ", text.lower())
    return "sent|" + re.sub(r"[\W_]+", "", text)


def sst2_split(rows, frac=SENTENCE_VAL):
    """GLUE's SST-2 train set mixes whole sentences with phrases cut from their parse trees.
    A row that is no word span of a longer row is a sentence; sentences are split by hash; the
    validation side holds sentences only, and a phrase is kept for training only when it is no
    span of any validation sentence (so no part of a validation sentence is trained on)."""
    rows = sorted(rows, key=lambda r: -len(r["text"].split()))
    spans, sentences, phrases = set(), [], []
    for r in rows:
        words = r["text"].split()
        if " ".join(words) in spans:
            phrases.append(r)
            continue
        sentences.append(r)
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                spans.add(" ".join(words[i:j]))
    val = [r for r in sentences if in_val(_key(r["text"]), frac)]
    val_spans = set()
    for r in val:
        words = r["text"].split()
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                val_spans.add(" ".join(words[i:j]))
    train = [r for r in sentences if not in_val(_key(r["text"]), frac)]
    train += [r for r in phrases if " ".join(r["text"].split()) not in val_spans]
    return train, val


def _sst2(data):
    rows = []
    with open(os.path.join(data, "sentiment-sst2", "train.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            if "\t" not in line:
                continue
            label, text = line.rstrip("\n").split("\t", 1)
            if label in ("0", "1") and text.strip():
                rows.append({"text": text.strip(), "label": int(label), "source": "sst2", "lang": "en"})
    return rows


def _uci(data):
    rows = []
    for name in ("amazon_cells", "imdb", "yelp"):
        with open(os.path.join(data, "sentiment-uci", f"{name}_labelled.txt"), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").rsplit("\t", 1)
                if len(parts) == 2 and parts[1].strip() in ("0", "1") and parts[0].strip():
                    rows.append({"text": parts[0].strip(), "label": int(parts[1]), "source": f"uci-{name}", "lang": "en"})
    return rows


def _imdb(data):
    rows = []
    with open(os.path.join(data, "sentiment-imdb", "imdb_small.csv"), encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            label = {"positive": 1, "negative": 0}.get((rec.get("label") or "").strip().lower())
            text = (rec.get("text") or "").replace("<br />", " ").strip()
            if label is not None and text:
                rows.append({"text": text, "label": label, "source": "imdb", "lang": "en"})
    return rows


def _vader(data):
    rows = []
    for name, source in (("tweets", "vader-tweets"), ("movieReviewSnippets", "vader-movies"),
                         ("amazonReviewSnippets", "vader-amazon"), ("nytEditorialSnippets", "vader-nyt")):
        with open(os.path.join(data, "sentiment-vader", f"{name}_GroundTruth.txt"), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 2)
                if len(parts) != 3 or not parts[2].strip():
                    continue
                try:
                    score = float(parts[1])
                except ValueError:
                    continue
                if abs(score) > VADER_MARGIN:
                    rows.append({"text": parts[2].strip(), "label": int(score > 0), "source": source, "lang": "en"})
    return rows


def _chinese(data):
    rows = []
    for name, source in (("ChnSentiCorp_htl.csv", "chnsenticorp-hotels"), ("waimai_10k.csv", "waimai")):
        with open(os.path.join(data, "sentiment-zh", name), encoding="utf-8", newline="") as f:
            for rec in csv.DictReader(f):
                text = (rec.get("review") or "").strip()
                if rec.get("label") in ("0", "1") and text:
                    rows.append({"text": text, "label": int(rec["label"]), "source": source, "lang": "zh"})
    return rows


def load_bilingual_sentiment(data):
    """(train, val): rows {"text", "label", "source", "lang"}; duplicates kept once, and a
    validation row whose text is also a training row is dropped."""
    train, val = sst2_split(_sst2(data))
    val_keys = {_key(r["text"]) for r in val}
    for r in _uci(data) + _imdb(data) + _vader(data) + _chinese(data):
        frac = SENTENCE_VAL if r["source"] in ("vader-movies",) else 0.12
        k = _key(r["text"])
        (val if k in val_keys or in_val(k, frac) else train).append(r)
    seen, train_out, val_out = set(), [], []
    for r in train:
        k = (_key(r["text"]), r["label"])
        if k not in seen:
            seen.add(k)
            train_out.append(r)
    train_keys = {k for k, _ in seen}
    seen = set()
    for r in val:
        k = _key(r["text"])
        if k not in train_keys and k not in seen:
            seen.add(k)
            val_out.append(r)
    return train_out, val_out
