"""Summaries: BBC News (cut articles with their extractive targets, and the lead-3 baseline),
SciTLDR and the P3 Gigaword / XSum / CNN-DM samples, at the summarise app's lengths.
"""

import hashlib
import json
import os
import re

from prompts import SUMMARY_LENGTHS, messages_for
from sources.split import SALT, in_val


_SENT = re.compile(r"""(?:(?<=[.!?])|(?<=[.!?]["')]))\s+(?=["'(]?[A-Z0-9£$])|\n+""")


def split_sentences(text):
    return [s.strip() for s in _SENT.split(text) if s and s.strip()]


def bbc_example(row, max_words=150, max_summary=3, source="bbc"):
    """BBC rows carry the article and an extractive summary (its sentences run together). The
    model sees the title-less article cut at a sentence boundary to about `max_words` words; the
    target is the summary's sentences that lie inside that cut, in article order, at most
    `max_summary` of them. The lead-3 baseline is scored against the same target."""
    paras = [p.strip() for p in row["article"].split("\n") if p.strip()]
    body = paras[1:] if len(paras) > 1 else paras
    sents = [s for p in body for s in split_sentences(p)]
    kept, words = [], 0
    for s in sents:
        n = len(s.split())
        if kept and words + n > max_words:
            break
        kept.append(s)
        words += n
    summary = row["summary"]
    target = [s for s in kept if len(s) > 20 and s in summary][:max_summary]
    if len(target) < 1 or len(kept) < 4:
        return None
    return {"task": "summarize", "source": source, "group": f"bbc|{row['category']}|{row['id']}",
            "messages": messages_for("summarize", " ".join(kept), " ".join(target), length=SUMMARY_LENGTHS["medium"]),
            "lead3": " ".join(kept[:3]), "target_sentences": target}


def summary_length_variants(train):
    """Extra BBC examples that teach the other two lengths from the same extractive targets: a
    third of the articles again "in one sentence" (their first summary sentence), another third
    "as bullet points" (one "- " line per summary sentence). Train side only: the validation rows
    stay "medium", the prompt the evaluation scores."""
    out = []
    for ex in train:
        if ex["source"] != "bbc" or len(ex["target_sentences"]) < 2:
            continue
        bucket = int(hashlib.sha1((SALT + "|length|" + ex["group"]).encode("utf-8")).hexdigest(), 16) % 3
        text = ex["messages"][1]["content"]
        if bucket == 1:
            out.append({**ex, "messages": messages_for("summarize", text, ex["target_sentences"][0],
                                                       length=SUMMARY_LENGTHS["short"])})
        elif bucket == 2:
            bullets = "\n".join("- " + t for t in ex["target_sentences"])
            out.append({**ex, "messages": messages_for("summarize", text, bullets, length=SUMMARY_LENGTHS["bullets"])})
    return out


def load_summaries(data):
    exs = []
    with open(os.path.join(data, "summarization-bbc", "bbc.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            ex = bbc_example(row)
            if ex:
                exs.append(ex)
            # The same article cut at ~650 words (~900 tokens with its summary): rows long enough
            # to teach the 1,024-token context. Same group as the short cut, so the same side.
            long_ex = bbc_example(row, max_words=650, max_summary=4, source="bbc-long")
            if long_ex and ex and len(long_ex["messages"][1]["content"]) > len(ex["messages"][1]["content"]) * 1.5:
                exs.append(long_ex)
    for split in ("train", "dev"):
        with open(os.path.join(data, "summarization-scitldr", f"{split}.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                src = " ".join(r["source"])
                if len(src.split()) > 230 or not r.get("target"):
                    continue
                exs.append({"task": "summarize", "source": "scitldr", "group": "sci|" + r.get("paper_id", src[:80]),
                            "messages": messages_for("summarize", src, r["target"][0].strip(),
                                                     length=SUMMARY_LENGTHS["short"])})
    for name, src_name in (("gigaword_TLDR", "p3-gigaword"), ("xsum_DOC_tldr", "p3-xsum"),
                           ("cnn_dailymail_3_0_0_news_summary", "p3-cnndm")):
        with open(os.path.join(data, "summarization-p3", f"{name}.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                doc = re.sub(r"\s*(TL;DR:|Summary:|Summarize.*)\s*$", "", r["prompt"].strip()).strip()
                doc = re.sub(r"^(Summarize|Article|Document):?\s*", "", doc)
                summ = r["completion"].replace("<|endoftext|>", "").strip()
                if not summ or len(doc.split()) > 230:
                    continue
                # CNN/DM highlights run to a few sentences; Gigaword and XSum targets are one
                length = SUMMARY_LENGTHS["medium" if src_name == "p3-cnndm" else "short"]
                exs.append({"task": "summarize", "source": src_name, "group": src_name + "|" + doc[:80],
                            "messages": messages_for("summarize", doc, summ, length=length)})
    train, val = [], []
    for ex in exs:
        if in_val(ex["group"], 0.06 if ex["source"].startswith("bbc") else 0.03):
            # long cuts stay out of validation: the scored rows remain the ~150-word cuts
            if ex["source"] != "bbc-long":
                val.append(ex)
        else:
            train.append(ex)
    return train, val
