"""Next-line completion on held-out files, for the code model (loom-code).

A task is one non-blank line of a validation file (from a package held out of training). The
prompt is the file before that line, ending in its newline (what an editor sends with the
cursor at the start of a new line), cut to the last `prefix_lines` lines or, with None, to what
fits the context; in FIM mode the lines after it follow as the suffix. The model's answer is the
first line it generates; exact match compares both lines without surrounding whitespace (as
evaluate.py does for loom-chat), against the baseline "repeat the previous non-blank line".
Lines of >= 10 non-blank characters are reported on their own: a closing brace is easy.
"""

import random

from formats import generate
from metrics import edit_sim

EOT = "<|endoftext|>"
FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX = "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"
LONG = 10  # non-blank characters of a "long" line


def nonblank_len(s):
    return sum(1 for c in s if not c.isspace())


def sample_line_tasks(files, n, seed, per_file=3):
    """Up to n tasks, at most per_file from each file, files in a seeded order."""
    rng = random.Random(seed)
    order = list(range(len(files)))
    rng.shuffle(order)
    tasks = []
    for fi in order:
        f = files[fi]
        lines = f["text"].split("\n")
        cands = [i for i in range(1, len(lines)) if lines[i].strip() and len(lines[i]) <= 200]
        rng.shuffle(cands)
        for i in cands[:per_file]:
            prev = next((l for l in reversed(lines[:i]) if l.strip()), "")
            tasks.append({"path": f["path"], "package": f["package"], "lang": f["lang"], "line": i,
                          "before": lines[:i], "after": lines[i + 1:], "next_line": lines[i], "prev_line": prev})
            if len(tasks) >= n:
                return tasks
    return tasks


def prompt_for(tok, t, max_prompt_tokens, prefix_lines=None, fim=False, suffix_lines=20):
    before = t["before"][-prefix_lines:] if prefix_lines else t["before"]
    prefix = "\n".join(before) + "\n"
    ids = tok.encode(prefix)
    if not fim:
        return ids[-max_prompt_tokens:]
    suffix = "\n".join(t["after"][:suffix_lines])
    sids = tok.encode(suffix)[: max_prompt_tokens // 4]
    pids = ids[-(max_prompt_tokens - len(sids) - 3):]
    return [tok.vocab[FIM_PREFIX]] + pids + [tok.vocab[FIM_SUFFIX]] + sids + [tok.vocab[FIM_MIDDLE]]


def _score(hyps, tasks, subset):
    idx = [i for i, t in enumerate(tasks) if subset(t)]
    n = max(1, len(idx))
    return {"n": len(idx),
            "exact_match": 100 * sum(hyps[i].strip() == tasks[i]["next_line"].strip() for i in idx) / n,
            "edit_similarity": 100 * sum(edit_sim(hyps[i].strip(), tasks[i]["next_line"].strip()) for i in idx) / n}


def next_line_eval(model, tok, tasks, max_prompt_tokens, prefix_lines=None, fim=False, max_new=48):
    """{"model", "model_long", "repeat_previous_line", "repeat_previous_line_long", "samples"}."""
    newline_ids = {i for t, i in tok.vocab.items() if "\u010a" in t}  # byte-level "\n" is "Ċ"
    prompts = [prompt_for(tok, t, max_prompt_tokens, prefix_lines, fim) for t in tasks]
    outs = generate(model, prompts, max_new, {tok.vocab[EOT]}, stop_on_newline_id=lambda i: i in newline_ids)
    hyps = [tok.decode(o).split("\n")[0] for o in outs]
    prev = [t["prev_line"] for t in tasks]
    long = lambda t: nonblank_len(t["next_line"]) >= LONG  # noqa: E731
    return {"model": _score(hyps, tasks, lambda t: True), "model_long": _score(hyps, tasks, long),
            "repeat_previous_line": _score(prev, tasks, lambda t: True),
            "repeat_previous_line_long": _score(prev, tasks, long),
            "samples": [{"path": t["path"], "next": t["next_line"], "hyp": h} for t, h in zip(tasks[:12], hyps)],
            "hyps": hyps}
