"""Documents for the extractive summariser (loom-extract): each a list of sentences with 0/1
labels (is the sentence part of the summary?) and the reference summary that validation scores.

* BBC News: the reference summaries are sentences copied from the article, so a sentence's label
  is whether it appears in the summary. The model sees the article as a user pastes it: the
  headline line first (in half the training documents, chosen by hash, and in every validation
  one), then the body sentences. The headline is never a summary sentence.
* SciTLDR: the TLDR is written, not extracted; the sentence of the abstract with the highest
  ROUGE-L F1 against it is labelled 1 (the extractive oracle for one sentence).

Splits are per document and deterministic: BBC by article (sources/split.in_val on
"bbc|category|id", 15 %: the chat model's 6 % validation articles are among them), SciTLDR by
the data set's own train/dev files.
"""
import hashlib
import json
import os

from metrics import rouge
from sources.split import SALT, in_val
from sources.summaries import split_sentences

BBC_VAL_FRACTION = 0.15


def _with_headline(group):
    """Half the training articles keep their headline line (robust to pastes with and without)."""
    return int(hashlib.sha1((SALT + "|headline|" + group).encode("utf-8")).hexdigest(), 16) % 2 == 0


def bbc_document(row, val):
    paras = [p.strip() for p in row["article"].split("\n") if p.strip()]
    if len(paras) < 2:
        return None
    headline, body = paras[0], [s for p in paras[1:] for s in split_sentences(p)]
    labels = [1 if len(s) > 20 and s in row["summary"] else 0 for s in body]
    if len(body) < 4 or sum(labels) == 0:
        return None
    group = f"bbc|{row['category']}|{row['id']}"
    sentences, lab = body, labels
    if val or _with_headline(group):
        sentences, lab = [headline] + body, [0] + labels
    return {"source": "bbc", "group": group, "sentences": sentences, "labels": lab,
            "reference": row["summary"], "body_start": len(sentences) - len(body), "k": 3}


def scitldr_document(row):
    sents = [s.strip() for s in row["source"] if s.strip()]
    targets = [t.strip() for t in row.get("target", []) if t.strip()]
    if len(sents) < 2 or not targets:
        return None
    scores = [rouge(s, targets[0])["rougeL"] for s in sents]
    best = max(range(len(sents)), key=lambda i: scores[i])
    return {"source": "scitldr", "group": "sci|" + row.get("paper_id", sents[0][:80]), "sentences": sents,
            "labels": [1 if i == best else 0 for i in range(len(sents))], "reference": targets[0],
            "body_start": 0, "k": 1}


def load_documents(data):
    train, val = [], []
    with open(os.path.join(data, "summarization-bbc", "bbc.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            is_val = in_val(f"bbc|{row['category']}|{row['id']}", BBC_VAL_FRACTION)
            doc = bbc_document(row, is_val)
            if doc:
                (val if is_val else train).append(doc)
    for split, out in (("train", train), ("dev", val)):
        with open(os.path.join(data, "summarization-scitldr", f"{split}.jsonl"), encoding="utf-8") as f:
            for line in f:
                doc = scitldr_document(json.loads(line))
                if doc:
                    out.append(doc)
    return train, val


def select(scores, k):
    """Indices of the k best-scoring sentences, in document order (what the server does too)."""
    best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return sorted(best)


def lead(doc, k):
    """Lead-k baseline: the first k body sentences (the headline skipped: the stronger baseline)."""
    return list(range(doc["body_start"], min(len(doc["sentences"]), doc["body_start"] + k)))
