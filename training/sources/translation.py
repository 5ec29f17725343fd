"""Translation pairs (Tatoeba en–zh, en–de and en–fr, Multi30k en–de and en–fr), both directions of each."""

import os
import subprocess

from prompts import LANGUAGES, messages_for
from sources.split import in_val, norm_key


def to_simplified(texts):
    """Traditional → Simplified Chinese with OpenCC's t2s (Debian: apt-get install opencc);
    Simplified text passes through unchanged. One process for the whole list, line by line."""
    if any("\n" in t for t in texts):
        raise ValueError("to_simplified: one line per text")
    try:
        out = subprocess.run(["opencc", "-c", "t2s"], input="\n".join(texts) + "\n", capture_output=True,
                             text=True, encoding="utf-8", check=True).stdout.split("\n")
    except FileNotFoundError as e:
        raise RuntimeError("opencc is not installed (Debian: apt-get install opencc): the Chinese "
                           "replies are written in Simplified characters") from e
    if len(out) != len(texts) + 1:
        raise RuntimeError(f"opencc returned {len(out) - 1} lines for {len(texts)}")
    return out[:-1]


def translation_examples(pairs, src, tgt, source, replies=None):
    """pairs: list of (en, other). Emits both directions. `replies` (one per pair) replaces the
    other side where it is the reply (en→other), e.g. its Simplified form."""
    out = []
    for i, (en, other) in enumerate(pairs):
        group = "tr|" + norm_key(en)
        reply = replies[i] if replies is not None else other
        for a, b, s, t in ((en, reply, "en", tgt), (other, en, tgt, "en")):
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
    # Tatoeba mixes Traditional and Simplified: the model answers (and is scored) in Simplified,
    # while it still reads either as input (zh→en keeps the sentence as written).
    exs += translation_examples(zh, "en", "zh", "tatoeba-en-zh", replies=to_simplified([z for _, z in zh]))
    de = []
    with open(os.path.join(data, "translation-en-de-tatoeba", "deu-eng.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip() and len(p[0]) <= max_chars:
                de.append((p[0].strip(), p[1].strip()))
    exs += translation_examples(de, "en", "de", "tatoeba-en-de")
    fr = []
    with open(os.path.join(data, "translation-en-fr", "fra-eng.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip() and len(p[0]) <= max_chars:
                fr.append((p[0].strip(), p[1].strip()))
    exs += translation_examples(fr, "en", "fr", "tatoeba-en-fr")
    for lang, source in (("de", "multi30k"), ("fr", "multi30k-fr")):
        m30 = []
        for split in ("train", "val"):
            with open(os.path.join(data, "translation-multi30k", f"{split}.en"), encoding="utf-8") as fe, \
                    open(os.path.join(data, "translation-multi30k", f"{split}.{lang}"), encoding="utf-8") as fd:
                for en, d in zip(fe, fd):
                    if en.strip() and d.strip() and len(en) <= max_chars:
                        m30.append((en.strip(), d.strip()))
        exs += translation_examples(m30, "en", lang, source)
    return split_translation(exs)


def split_translation(exs, frac=0.03):
    """The English sentence decides the side (its key is shared by every pair and direction, so
    Multi30k's de and fr captions of one image stay together). A non-English sentence can belong
    to two English ones (Tatoeba lists several translations): a train row whose non-English side
    is also a validation row's is dropped, so no sentence is on both sides in either direction."""
    train, val = [], []
    for ex in exs:
        (val if in_val(ex["group"], frac) else train).append(ex)
    held = {norm_key(s) for ex in val for s in (ex["messages"][1]["content"], ex["messages"][2]["content"])}
    train = [ex for ex in train if norm_key(ex["messages"][1]["content"]) not in held
             and norm_key(ex["messages"][2]["content"]) not in held]
    return train, val
