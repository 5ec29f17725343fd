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

Splits are decided by a hash of a grouping key (the English sentence of a translation pair, the
article id, the source file …) with a fixed salt, so a row never changes side between runs, and
near-duplicates (Tatoeba's several translations of one sentence) stay on one side. Nothing from a
validation split is ever written into a train file. Dataset files are read, never copied into
the repository: only derived weights and the tokenizer are committed.
"""

import argparse
import glob
import hashlib
import json
import os
import random
import re
import sys

from prompts import LANGUAGES, PROMPTS, SUMMARY_LENGTHS, messages_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SALT = "loom-split-v1"


def in_val(key, frac):
    """Deterministic split: True for about `frac` of keys."""
    h = hashlib.sha1((SALT + "|" + key).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < frac


def norm_key(s):
    return re.sub(r"\W+", " ", s.lower()).strip()


# ------------------------------------------------------------------------------------------
# Sentiment
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# Translation
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------

_SENT = re.compile(r"""(?:(?<=[.!?])|(?<=[.!?]["')]))\s+(?=["'(]?[A-Z0-9£$])|\n+""")


def split_sentences(text):
    return [s.strip() for s in _SENT.split(text) if s and s.strip()]


def bbc_example(row, max_words=150, max_summary=3):
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
    return {"task": "summarize", "source": "bbc", "group": f"bbc|{row['category']}|{row['id']}",
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
            ex = bbc_example(json.loads(line))
            if ex:
                exs.append(ex)
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
        (val if in_val(ex["group"], 0.06 if ex["source"] == "bbc" else 0.03) else train).append(ex)
    return train, val


# ------------------------------------------------------------------------------------------
# Code (permissively licensed sources on this machine)
# ------------------------------------------------------------------------------------------

PERMISSIVE = {"MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "0BSD", "MIT-0", "BlueOak-1.0.0", "Unlicense"}


def _licence(pkg):
    lic = pkg.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    if lic is None and isinstance(pkg.get("licenses"), list) and pkg["licenses"]:
        lic = pkg["licenses"][0].get("type") if isinstance(pkg["licenses"][0], dict) else None
    if not isinstance(lic, str):
        return None
    lic = lic.strip("()")
    # "MIT OR Apache-2.0": fine when every alternative is permissive… or any: OR means a choice.
    parts = re.split(r"\s+OR\s+", lic)
    ok = [p for p in parts if p in PERMISSIVE]
    return ok[0] if ok else None


def _good_code(text):
    lines = text.split("\n")
    if len(lines) < 15 or len(text) > 120_000:
        return False
    if max(len(l) for l in lines) > 300 or sum(len(l) for l in lines) / len(lines) > 70:
        return False  # minified or generated
    return True


def gather_code(node_modules, pystdlib, per_package=40_000, max_total=4_000_000):
    files, sources = [], []
    for pj in sorted(glob.glob(os.path.join(node_modules, "*", "package.json")) +
                     glob.glob(os.path.join(node_modules, "@*", "*", "package.json"))):
        pdir = os.path.dirname(pj)
        try:
            with open(pj, encoding="utf-8") as f:
                pkg = json.load(f)
        except (OSError, ValueError):
            continue
        lic = _licence(pkg)
        if not lic:
            continue
        got, n = 0, 0
        cands = []
        for ext in ("js", "mjs", "cjs", "ts"):
            cands += glob.glob(os.path.join(pdir, "**", f"*.{ext}"), recursive=True)
        for path in sorted(cands):
            rel = os.path.relpath(path, node_modules)
            if "/node_modules/" in rel or ".min." in rel or rel.endswith(".d.ts") or "/test" in rel:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            if not _good_code(text):
                continue
            files.append({"path": "node_modules/" + rel, "text": text, "package": pkg.get("name"), "licence": lic,
                          "lang": "typescript" if path.endswith(".ts") else "javascript"})
            got += len(text)
            n += 1
            if got >= per_package:
                break
        if n:
            sources.append({"package": pkg.get("name"), "version": pkg.get("version"), "licence": lic, "files": n, "chars": got})
    py = 0
    for path in sorted(glob.glob(os.path.join(pystdlib, "*.py"))):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if not _good_code(text) or py > 1_000_000:
            continue
        text = text[:60_000]
        files.append({"path": path, "text": text, "package": "python3.11-stdlib", "licence": "PSF-2.0", "lang": "python"})
        py += len(text)
    if py:
        sources.append({"package": "python3.11 standard library (" + pystdlib + ")", "licence": "PSF-2.0", "chars": py})
    # cap the total deterministically (shuffle by hash, keep a prefix)
    files.sort(key=lambda f: hashlib.sha1(f["path"].encode()).hexdigest())
    out, total = [], 0
    for f in files:
        if total > max_total:
            break
        out.append(f)
        total += len(f["text"])
    # record only what was kept: package, version, licence, files and characters used
    used = {}
    for f in out:
        u = used.setdefault(f["package"], {"files": 0, "chars": 0})
        u["files"] += 1
        u["chars"] += len(f["text"])
    meta = {s["package"] if not s["package"].startswith("python3.11") else "python3.11-stdlib": s for s in sources}
    sources = [{**{k: v for k, v in meta.get(p, {"package": p}).items() if k not in ("files", "chars")}, **u}
               for p, u in sorted(used.items(), key=lambda kv: str(kv[0]))]
    return out, sources


def code_examples(files, rng, per_file=10, max_prefix_lines=24, max_prefix_chars=900):
    """Each example: a prefix of up to `max_prefix_lines` lines ending at a line boundary → the
    next 1–4 lines (stopping early at a blank line). The next line is never blank."""
    exs = []
    for f in files:
        lines = f["text"].split("\n")
        lines = [l.rstrip() for l in lines]
        cands = [i for i in range(4, len(lines) - 1) if lines[i].strip() and len(lines[i]) <= 120]
        rng.shuffle(cands)
        for i in cands[:per_file]:
            start = max(0, i - max_prefix_lines)
            prefix = "\n".join(lines[start:i])
            while len(prefix) > max_prefix_chars and start < i - 2:
                start += 1
                prefix = "\n".join(lines[start:i])
            if not prefix.strip():
                continue
            nxt = []
            for l in lines[i:i + 4]:
                if not l.strip():
                    break
                nxt.append(l)
            exs.append({"task": "code", "source": f["lang"], "group": "code|" + f["path"],
                        "messages": messages_for("code", prefix, "\n".join(nxt)),
                        "prev_line": next((l for l in reversed(lines[start:i]) if l.strip()), ""),
                        "next_line": lines[i]})
    return exs


def load_code(root, rng):
    files, sources = gather_code(os.path.join(root, "node_modules"), "/usr/lib/python3.11")
    exs = code_examples(files, rng)
    train, val = [], []
    for ex in exs:
        (val if in_val(ex["group"], 0.04) else train).append(ex)
    return train, val, sources, files


# ------------------------------------------------------------------------------------------
# Chat
# ------------------------------------------------------------------------------------------

# Written for this project (no third-party rights): who Loom is and what it can do.
OWN_CHAT = [
    [("Hello!", "Hello! How can I help you today?")],
    [("Hi", "Hi! What can I do for you?")],
    [("Good morning!", "Good morning! How can I help?")],
    [("Who are you?", "I am Loom, a small assistant that runs on your own machine.")],
    [("What is your name?", "My name is Loom.")],
    [("What can you do?", "I can chat, summarize a text, translate between English, Chinese and German, and complete code.")],
    [("Can you translate?", "Yes. I can translate between English and Chinese, and between English and German. Short sentences work best.")],
    [("Are you ChatGPT?", "No, I am Loom, a small model trained for this platform.")],
    [("Thank you!", "You are welcome!")],
    [("Thanks for your help.", "Happy to help. Ask me again any time.")],
    [("Bye", "Goodbye! Have a nice day.")],
    [("How are you?", "I am fine, thank you. How can I help you?")],
    [("Tell me a joke.", "Why did the computer go to the doctor? Because it had a virus.")],
    [("What is 2 + 2?", "2 + 2 is 4.")],
    [("What is the capital of France?", "The capital of France is Paris.")],
    [("What is the capital of Germany?", "The capital of Germany is Berlin.")],
    [("What is the capital of China?", "The capital of China is Beijing.")],
    [("How many days are in a week?", "A week has seven days.")],
    [("What color is the sky?", "On a clear day the sky is blue.")],
    [("Are you running on the internet?", "No. I run on this machine, so your messages stay here.")],
    [("How big are you?", "I am a very small language model, so my answers are short and I make mistakes. Please check important facts.")],
    [("Can you make mistakes?", "Yes, I often do. I am a small model, so please check what I say.")],
    [("Write a haiku about rain.", "Soft rain on the roof,\nthe garden drinks quietly,\nclouds move slowly on.")],
    [("Give me a name for a cat.", "How about Miso?")],
    [("Say hello in Chinese.", "你好 (nǐ hǎo) means hello in Chinese.")],
    [("Say hello in German.", "Hallo means hello in German.")],
    [("你好", "你好！有什么可以帮你的吗？")],
    [("你是谁？", "我是 Loom，一个在你自己的电脑上运行的小助手。")],
    [("Hallo!", "Hallo! Wie kann ich helfen?")],
    [("What is Python?", "Python is a popular programming language. It is easy to read and is used for scripts, data work and web servers.")],
    [("What is JavaScript?", "JavaScript is the programming language of the web. It runs in browsers and, with Node.js, on servers.")],
    [("How do I print text in Python?", "Use the print function:\n\nprint(\"Hello, world!\")")],
    [("How do I write a function in JavaScript?", "Like this:\n\nfunction add(a, b) {\n  return a + b;\n}")],
    [("Hello!", "Hello! How can I help you today?"), ("Can you summarize text?", "Yes. Paste the text and I will write a short summary.")],
    [("Hi", "Hi! What can I do for you?"), ("Translate 'good night' to German.", "Gute Nacht.")],
    [("Translate 'thank you' to Chinese.", "谢谢。")],
    [("What time is it?", "I cannot see a clock, so I do not know the time. Please check your device.")],
    [("What is the weather today?", "I have no access to the internet, so I cannot check the weather.")],
    [("Who made you?", "I was trained by the Loom project on public data sets, on an ordinary computer.")],
    [("Help", "Sure. You can chat with me, ask me to summarize a text, translate a sentence, or complete some code.")],
    # Chinese and German: a reply comes in the language the user writes in.
    [("您好！", "您好！我能为您做些什么？")],
    [("早上好！", "早上好！今天想聊点什么？")],
    [("晚上好。", "晚上好！有什么需要帮忙的吗？")],
    [("你最近好吗？", "我很好，谢谢！你呢？")],
    [("你的名字是什么？", "我的名字叫 Loom。")],
    [("你能做什么？", "我可以聊天、总结文章、在中文、英文和德文之间翻译，还可以补全代码。")],
    [("你会说中文吗？", "会的，我可以用中文和你聊天。")],
    [("你能帮我翻译吗？", "可以。请把要翻译的句子发给我，短句效果最好。")],
    [("谢谢你！", "不客气！")],
    [("非常感谢你的帮助。", "很高兴能帮到你，有问题随时问我。")],
    [("再见！", "再见！祝你今天愉快。")],
    [("中国的首都是哪里？", "中国的首都是北京。")],
    [("德国的首都是哪里？", "德国的首都是柏林。")],
    [("一年有几个月？", "一年有十二个月。")],
    [("三加五等于几？", "三加五等于八。")],
    [("给我讲个笑话吧。", "电脑为什么去看医生？因为它感染了病毒。")],
    [("外面冷吗？", "我不能上网，也看不到外面，所以不知道天气。请看看窗外吧。")],
    [("现在几点了？", "我看不到时钟，请看一下你的设备。")],
    [("你喜欢什么颜色？", "我是一个程序，没有喜好，不过很多人喜欢蓝色。")],
    [("推荐一个早餐吧。", "可以试试豆浆和包子，简单又好吃。")],
    [("我今天很累。", "辛苦了！喝点水，早点休息吧。")],
    [("我想学习编程。", "好主意！可以先从 Python 开始，它容易读也容易写。")],
    [("什么是 Python？", "Python 是一种很受欢迎的编程语言，简单易读。")],
    [("你会犯错吗？", "会的。我是一个很小的模型，重要的事情请再确认一下。")],
    [("你在网上运行吗？", "不是。我在这台电脑上运行，你的消息不会离开这里。")],
    [("我喜欢看书。", "看书很好！你最近在读什么书？")],
    [("你好", "你好！有什么可以帮你的吗？"), ("你能总结文章吗？", "可以，请把文章发给我，我会写一个简短的总结。")],
    [("嗨！", "嗨！今天过得怎么样？"), ("还不错。", "那太好了！有什么我可以帮忙的吗？")],
    [("Guten Morgen!", "Guten Morgen! Womit kann ich dir helfen?")],
    [("Guten Abend.", "Guten Abend! Was kann ich für dich tun?")],
    [("Hi, wie geht's?", "Mir geht es gut, danke! Und dir?")],
    [("Wer bist du?", "Ich bin Loom, ein kleiner Assistent, der auf deinem eigenen Rechner läuft.")],
    [("Wie ist dein Name?", "Ich heiße Loom.")],
    [("Was kannst du?", "Ich kann mich unterhalten, Texte zusammenfassen, zwischen Deutsch, Englisch und Chinesisch übersetzen und Code ergänzen.")],
    [("Sprichst du Deutsch?", "Ja, ich kann mit dir auf Deutsch sprechen.")],
    [("Kannst du übersetzen?", "Ja. Schick mir einen Satz, kurze Sätze gehen am besten.")],
    [("Danke!", "Gern geschehen!")],
    [("Vielen Dank für deine Hilfe.", "Sehr gern. Frag mich jederzeit wieder.")],
    [("Tschüss!", "Tschüss! Einen schönen Tag noch.")],
    [("Was ist die Hauptstadt von Deutschland?", "Die Hauptstadt von Deutschland ist Berlin.")],
    [("Was ist die Hauptstadt von Frankreich?", "Die Hauptstadt von Frankreich ist Paris.")],
    [("Wie viele Tage hat eine Woche?", "Eine Woche hat sieben Tage.")],
    [("Was ist zwei plus drei?", "Zwei plus drei ist fünf.")],
    [("Erzähl mir einen Witz.", "Warum ging der Computer zum Arzt? Weil er einen Virus hatte.")],
    [("Regnet es draußen?", "Ich habe keinen Zugang zum Internet und kann das Wetter nicht sehen. Schau am besten aus dem Fenster.")],
    [("Wie spät ist es?", "Ich sehe keine Uhr. Bitte schau auf dein Gerät.")],
    [("Was ist deine Lieblingsfarbe?", "Ich bin ein Programm und habe keine Lieblingsfarbe, aber viele Menschen mögen Blau.")],
    [("Was soll ich heute kochen?", "Wie wäre es mit Nudeln mit Tomatensoße? Das geht schnell und schmeckt gut.")],
    [("Ich bin müde.", "Dann mach eine kleine Pause und trink etwas Wasser.")],
    [("Ich möchte programmieren lernen.", "Gute Idee! Fang mit Python an, die Sprache ist leicht zu lesen.")],
    [("Was ist JavaScript?", "JavaScript ist die Programmiersprache des Webs. Sie läuft im Browser und mit Node.js auch auf Servern.")],
    [("Machst du Fehler?", "Ja, oft. Ich bin ein kleines Modell, bitte prüfe wichtige Dinge nach.")],
    [("Läufst du im Internet?", "Nein. Ich laufe auf diesem Rechner, deine Nachrichten bleiben hier.")],
    [("Ich lese gern Bücher.", "Das ist schön! Was liest du gerade?")],
    [("Hallo", "Hallo! Was kann ich für dich tun?"), ("Kannst du Texte zusammenfassen?", "Ja. Füge den Text ein, dann schreibe ich eine kurze Zusammenfassung.")],
    [("Servus!", "Servus! Wie geht es dir?"), ("Gut, danke.", "Das freut mich! Wobei kann ich helfen?")],
]


def own_chat():
    out = []
    for conv in OWN_CHAT:
        msgs = [{"role": "system", "content": PROMPTS["chat"]["system"]}]
        for u, a in conv:
            msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        out.append({"task": "chat", "source": "loom-own", "group": "own|" + conv[0][0] + conv[0][1], "messages": msgs})
    return out


def _chat(source, group, turns, max_chars=1400):
    """turns: list of (role, text) alternating user/assistant starting with user."""
    msgs = [{"role": "system", "content": PROMPTS["chat"]["system"]}]
    total = 0
    for role, text in turns:
        text = text.strip()
        if not text:
            break
        total += len(text)
        if total > max_chars and len(msgs) >= 3 and msgs[-1]["role"] == "assistant":
            break
        msgs.append({"role": role, "content": text})
    while msgs and msgs[-1]["role"] != "assistant":
        msgs.pop()
    if len(msgs) < 3 or sum(len(m["content"]) for m in msgs) > max_chars * 1.5:
        return None
    return {"task": "chat", "source": source, "group": group, "messages": msgs}


def load_chat(data):
    exs = []
    # OpenAssistant trees (Apache-2.0): follow the first reply at each level.
    with open(os.path.join(data, "dialogue-open-assistant", "en_100_tree.jsonl"), encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            node, turns = t["prompt"], []
            while node:
                turns.append(("user" if node["role"] == "prompter" else "assistant", node["text"]))
                node = node["replies"][0] if node.get("replies") else None
            ex = _chat("open-assistant", "oa|" + t["message_tree_id"], turns)
            if ex:
                exs.append(ex)
    with open(os.path.join(data, "dialogue-open-assistant", "realistic_seed_data.json"), encoding="utf-8") as f:
        msgs = json.load(f)
    by_parent = {}
    for m in msgs:
        by_parent.setdefault(m["parent_message_id"], []).append(m)
    for root in by_parent.get(None, []):
        turns, node = [], root
        while node:
            turns.append(("user" if node["role"] == "prompter" else "assistant", node["text"]))
            kids = by_parent.get(node["user_message_id"])
            node = kids[0] if kids else None
        ex = _chat("open-assistant", "oas|" + root["user_message_id"], turns)
        if ex:
            exs.append(ex)
    # Self-instruct seed tasks (Apache-2.0).
    with open(os.path.join(data, "instruction-self-instruct", "seed_tasks.jsonl"), encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            for k, inst in enumerate(t["instances"]):
                user = t["instruction"] + ("\n\n" + inst["input"] if inst["input"].strip() else "")
                ex = _chat("self-instruct", "si|" + t["id"], [("user", user), ("assistant", inst["output"])])
                if ex:
                    exs.append(ex)
    # Alpaca (CC BY-NC 4.0): short answers only.
    with open(os.path.join(data, "instruction-alpaca", "alpaca_5000.json"), encoding="utf-8") as f:
        for k, t in enumerate(json.load(f)):
            user = t["instruction"] + ("\n\n" + t["input"] if t.get("input", "").strip() else "")
            if len(t["output"]) > 600:
                continue
            ex = _chat("alpaca", f"al|{k}|{t['instruction'][:60]}", [("user", user), ("assistant", t["output"])])
            if ex:
                exs.append(ex)
    # Topical-Chat (CDLA-Sharing-1.0): the first six turns, agent_1 as user.
    for name in ("valid_freq", "valid_rare", "test_freq", "test_rare"):
        with open(os.path.join(data, "dialogue-topical-chat", f"{name}.json"), encoding="utf-8") as f:
            convs = json.load(f)
        for cid, c in convs.items():
            turns = [("user" if i % 2 == 0 else "assistant", m["message"]) for i, m in enumerate(c["content"][:6])]
            ex = _chat("topical-chat", "tc|" + cid, turns, max_chars=900)
            if ex:
                exs.append(ex)
    train, val = [], []
    for ex in exs:
        (val if in_val(ex["group"], 0.04) else train).append(ex)
    own = own_chat()  # always trained on: they define the assistant's identity
    return train + own, val


# ------------------------------------------------------------------------------------------


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
