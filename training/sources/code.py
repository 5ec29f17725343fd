"""Code completion examples from permissively licensed sources on this machine: node_modules
packages (by their package.json licence) and the Python standard library.
"""

import glob
import hashlib
import json
import os
import re

from prompts import messages_for
from sources.split import in_val


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
