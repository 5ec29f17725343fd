"""Translation pairs (Tatoeba en–zh and en–de, Multi30k en–de), both directions of each."""

import os

from prompts import LANGUAGES, messages_for
from sources.split import in_val, norm_key


def translation_examples(pairs, src, tgt, source):
    """pairs: list of (en, other). Emits both directions."""
    out = []
    for en, other in pairs:
        group = "tr|" + norm_key(en)
        for a, b, s, t in ((en, other, "en", tgt), (other, en, tgt, "en")):
            ex = {"task": "translate", "source": source, "pair": [s, t], "group": group,
                  "messages": messages_for("translate", a, b, source=LANGUAGES[s], target=LANGUAGES[t])}
            out.append(ex)
    return out


def load_translation(data, max_chars=160):
    exs = []
    zh = []
    with open(os.path.join(data, "translation-en-zh", "cmn.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip() and len(p[0]) <= max_chars:
                zh.append((p[0].strip(), p[1].strip()))
    exs += translation_examples(zh, "en", "zh", "tatoeba-en-zh")
    de = []
    with open(os.path.join(data, "translation-en-de-tatoeba", "deu-eng.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip() and len(p[0]) <= max_chars:
                de.append((p[0].strip(), p[1].strip()))
    exs += translation_examples(de, "en", "de", "tatoeba-en-de")
    m30 = []
    for split in ("train", "val"):
        with open(os.path.join(data, "translation-multi30k", f"{split}.en"), encoding="utf-8") as fe, \
                open(os.path.join(data, "translation-multi30k", f"{split}.de"), encoding="utf-8") as fd:
            for en, d in zip(fe, fd):
                if en.strip() and d.strip() and len(en) <= max_chars:
                    m30.append((en.strip(), d.strip()))
    exs += translation_examples(m30, "en", "de", "multi30k")
    train, val = [], []
    for ex in exs:
        (val if in_val(ex["group"], 0.03) else train).append(ex)
    return train, val
