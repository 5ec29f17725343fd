"""The fine-tuned folder's card, its loom-quality.json and the archive for Admin › Upload.

    /usr/bin/python3 training/finetune_card.py --base models/loom-chat --out runs/finetune/X [--work runs/finetune/X.work]

Reads from the work folder what the earlier steps wrote: train.json (finetune.py), and the
evaluations `npm run eval` wrote with --json: feedback-base.json / feedback-new.json (the
held-back slice, --feedback) and, when they exist, quick-base.json / quick-new.json (the standard
--quick evaluation) and bias-base.json / bias-new.json (a `bias` object in loom-quality.json's
shape, from the bias probes). Writes <out>/README.md, merges the `finetune` key (and `bias`) into
<out>/loom-quality.json (the base's copy; other keys kept) and packs <out>.tar.gz with one top
folder, the layout an upload and `npm run models -- add` accept.
"""

import argparse
import json
import os
import sys
import tarfile

QUALITY_VERSION = 1


def read_json(path, default=None):
    if not os.path.isfile(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def feedback_metrics(path):
    doc = read_json(path)
    if not doc or not doc.get("results"):
        return {}
    return dict(doc["results"][0].get("metrics", {}))


def quick_metrics(path):
    """translation chrF per direction and reply perplexity per task from `npm run eval --json`."""
    doc = read_json(path)
    if not doc or not doc.get("results"):
        return {}
    r = doc["results"][0]
    out = {}
    for direction, t in (r.get("translation") or {}).items():
        out[f"chrF {direction}"] = t["chrF"]
    for task, ppl in ((r.get("perplexity") or {}).get("perplexity") or {}).items():
        if ppl is not None:
            out[f"perplexity {task}"] = ppl
    return out


def fmt(v):
    return "–" if v is None else (f"{v:.4f}" if abs(v) < 10 else f"{v:.2f}")


def card(train, before, after, bias_before, bias_after):
    d = train["data"]
    lines = [
        f"# {train['name']}",
        "",
        f"Fine-tuned from **{train['base']['name']}** (`{train['base']['path']}`, weights read from "
        f"`{train['base']['weights']}`) by `make -C training finetune` on {train['created_at'][:10]}.",
        "",
        "## Data",
        "",
        f"A Loom feedback export (`{d['file']}`): answers users rated in Loom's apps "
        f"({', '.join(d['apps']) or '–'}; answers of {', '.join(d['models']) or '–'}). "
        f"{d['rows']} rows: {d['liked']} liked, {d['disliked']} disliked, {d['pairs']} preference pairs "
        "(a user regenerated an answer and rated one branch up and another down).",
        f"Held back for evaluation, by conversation: {d['held_back_rows']} rows; trained on the other "
        f"{d['train_rows']} ({d['liked_train']} liked answers, {d['pairs_train']} pairs).",
        "Only the liked answers' tokens carry loss (the conversation before them is context); disliked "
        "answers are used only as the rejected side of preference pairs"
        + (f" (DPO, β {train['dpo']['beta']}, weight {train['dpo']['weight']})." if train.get("dpo") else " (none here)."),
        "The export may contain personal data from users' conversations: treat this folder as the export.",
        "",
        "## Training",
        "",
        f"{train['steps']} steps, batch {train['batch_size']}, learning rate {train['lr']} (warm-up, cosine to 10 %), "
        f"≤ {train['max_len']} tokens an example, seed {train['seed']}, {train['device']}, {train['seconds']} s. "
        f"Loss on the liked answers: {train['loss_first']} at the first step, {train['loss_last']} at the last.",
        "",
        "## Before / after",
        "",
        "Through Loom's engine (`npm run eval`), on the held-back rows (feedback) and, where it ran, "
        "the standard quick evaluation.",
        "",
        f"| metric | {train['base']['name']} | this model |",
        "| --- | --- | --- |",
    ]
    for k in sorted(set(before) | set(after), key=lambda k: (not k.startswith(("liked", "disliked", "preference")), k)):
        lines.append(f"| {k} | {fmt(before.get(k))} | {fmt(after.get(k))} |")
    if not before and not after:
        lines.append("| (not evaluated) | – | – |")
    if bias_after or bias_before:
        lines += ["", "## Bias probes", "", "| probe set | kind | base flip rate | flip rate | base mean gap | mean gap |",
                  "| --- | --- | --- | --- | --- | --- |"]
        base = {(r["probe_set"], r["kind"]): r for r in (bias_before or {}).get("results", [])}
        new = {(r["probe_set"], r["kind"]): r for r in (bias_after or {}).get("results", [])}
        for key in sorted(set(base) | set(new)):
            b, n = base.get(key, {}), new.get(key, {})
            lines.append(f"| {key[0]} | {key[1]} | {fmt(b.get('flip_rate'))} | {fmt(n.get('flip_rate'))} | "
                         f"{fmt(b.get('mean_score_gap'))} | {fmt(n.get('mean_score_gap'))} |")
    lines += ["", "Small held-back slices give noisy numbers: read the liked − disliked gap together with the counts above.", ""]
    return "\n".join(lines)


def write_quality(out, train, before, after, bias_before, bias_after):
    path = os.path.join(out, "loom-quality.json")
    quality = read_json(path, {}) or {}  # the base's copy (finetune.py copied it): keep its keys
    base_bias = bias_before or quality.get("bias")
    quality["version"] = QUALITY_VERSION
    d = train["data"]
    quality["finetune"] = {
        "base": {"path": train["base"]["path"], "name": train["base"]["name"]},
        "data": {k: d[k] for k in ("file", "rows", "train_rows", "held_back_rows", "pairs")},
        "steps": train["steps"], "created_at": train["created_at"], "before": before, "after": after,
    }
    if base_bias:
        quality["finetune"]["bias_before"] = base_bias
    if bias_after:
        quality["bias"] = bias_after
    elif "bias" in quality:
        del quality["bias"]  # the base's probes describe the base, not this model (kept as bias_before)
    # The base's card numbers describe the base: this model's own are the before/after table
    # (run `npm run eval -- --model OUT` for the full set).
    quality.pop("evaluation", None)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(quality, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return quality


def write_archive(out):
    """<out>.tar.gz holding <basename>/…: extraction strips the single top folder."""
    top = os.path.basename(os.path.normpath(out))
    archive = os.path.normpath(out) + ".tar.gz"
    tmp = archive + ".partial"
    with tarfile.open(tmp, "w:gz") as tar:
        for dirpath, dirnames, filenames in os.walk(out):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                tar.add(full, arcname=os.path.join(top, os.path.relpath(full, out)), recursive=False)
    os.replace(tmp, archive)
    return archive


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work")
    args = ap.parse_args(argv)
    work = args.work or args.out.rstrip("/") + ".work"
    train = read_json(os.path.join(work, "train.json"))
    if train is None:
        print(f"finetune_card: {work}/train.json is missing: run finetune.py first", file=sys.stderr)
        return 2
    before = {**feedback_metrics(os.path.join(work, "feedback-base.json")), **quick_metrics(os.path.join(work, "quick-base.json"))}
    after = {**feedback_metrics(os.path.join(work, "feedback-new.json")), **quick_metrics(os.path.join(work, "quick-new.json"))}
    bias_before = read_json(os.path.join(work, "bias-base.json")) or (
        read_json(os.path.join(args.out, "loom-quality.json"), {}) or {}).get("bias")
    bias_after = read_json(os.path.join(work, "bias-new.json"))
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(card(train, before, after, bias_before, bias_after))
    write_quality(args.out, train, before, after, bias_before, bias_after)
    print(f"wrote {args.out}/README.md, {args.out}/loom-quality.json and {write_archive(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
