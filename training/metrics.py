"""The metrics evaluate.py reports (and the decoder job's chrF learning curve), in plain Python
because sacreBLEU and rouge-score are not installable offline. Definitions chosen to match those
tools; server/eval/metrics.ts ports them to TypeScript for `npm run eval`, unit-tested against
these values.

* chrF: sacreBLEU's CHRF defaults: character 6-grams, β = 2, whitespace removed, corpus
  statistics, F averaged over the effective orders.
* BLEU: sacreBLEU's corpus BLEU: 4-grams, brevity penalty, "exp" smoothing; tokenizer 13a, and
  for Chinese targets the "zh" tokenizer (every CJK character is a token).
* ROUGE-1/2/L F1: rouge-score's definitions: lowercased, non-alphanumerics as separators, no
  stemming; L = sentence-level LCS.
* edit similarity: 1 − Levenshtein / max length, of whitespace-stripped strings.
"""

import math
import re
from collections import Counter


def _ngrams(seq, n):
    return Counter(tuple(seq[i:i + n]) if not isinstance(seq, str) else seq[i:i + n] for i in range(len(seq) - n + 1))


def chrf(hyps, refs, char_order=6, beta=2.0):
    stats = [0.0] * (3 * char_order)
    for h, r in zip(hyps, refs):
        h, r = "".join(h.split()), "".join(r.split())
        for n in range(1, char_order + 1):
            hc, rc = _ngrams(h, n), _ngrams(r, n)
            stats[3 * (n - 1)] += sum(hc.values())
            stats[3 * (n - 1) + 1] += sum(rc.values())
            stats[3 * (n - 1) + 2] += sum((hc & rc).values())
    eps, factor, score, eff = 1e-16, beta ** 2, 0.0, 0
    for n in range(char_order):
        n_hyp, n_ref, n_match = stats[3 * n: 3 * n + 3]
        prec = n_match / n_hyp if n_hyp > 0 else eps
        rec = n_match / n_ref if n_ref > 0 else eps
        denom = factor * prec + rec
        score += (1 + factor) * prec * rec / denom if denom > 0 else eps
        eff += 1 if n_hyp > 0 and n_ref > 0 else 0
    return 100 * score / eff if eff else 0.0


def tok_13a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    line = re.sub(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", r" \1 ", line)
    line = re.sub(r"([^0-9])([\.,])", r"\1 \2 ", line)
    line = re.sub(r"([\.,])([^0-9])", r" \1 \2", line)
    line = re.sub(r"([0-9])(-)", r"\1 \2 ", line)
    return " ".join(line.split())


_CJK = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f])")


def tok_zh(line):
    return tok_13a(_CJK.sub(r" \1 ", line.strip()))


def bleu(hyps, refs, zh=False):
    tok = tok_zh if zh else tok_13a
    matches, totals, hl, rl = [0] * 4, [0] * 4, 0, 0
    for h, r in zip(hyps, refs):
        h, r = tok(h).split(), tok(r).split()
        hl += len(h)
        rl += len(r)
        for n in range(1, 5):
            hc, rc = _ngrams(h, n), _ngrams(r, n)
            matches[n - 1] += sum((hc & rc).values())
            totals[n - 1] += max(0, len(h) - n + 1)
    if hl == 0:
        return 0.0
    precs, smooth = [], 1.0
    for m, t in zip(matches, totals):
        if t == 0:
            precs.append(0.0)
            continue
        if m == 0:
            smooth *= 2
            precs.append(100.0 / (smooth * t))
        else:
            precs.append(100.0 * m / t)
    if min(precs) <= 0:
        return 0.0
    bp = 1.0 if hl > rl else math.exp(1 - rl / hl)
    return bp * math.exp(sum(math.log(p) for p in precs) / 4)


def _rtok(s):
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).split()


def _f1(m, nh, nr):
    if m == 0 or nh == 0 or nr == 0:
        return 0.0
    p, r = m / nh, m / nr
    return 2 * p * r / (p + r)


def _lcs(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge(hyp, ref):
    h, r = _rtok(hyp), _rtok(ref)
    out = {}
    for n in (1, 2):
        hc, rc = _ngrams(h, n), _ngrams(r, n)
        out[f"rouge{n}"] = _f1(sum((hc & rc).values()), sum(hc.values()), sum(rc.values()))
    out["rougeL"] = _f1(_lcs(h, r), len(h), len(r))
    return out


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def edit_sim(a, b):
    a, b = a.strip(), b.strip()
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))
