"""Whole-file code corpus for the code model (loom-code): every permissively licensed package
under node_modules (by its package.json licence, see code.py) and the whole Python standard
library, split by package so validation files come from packages the model never saw.

Unlike code.py (short prefix → next lines chat examples for loom-chat), this keeps whole files:
the code job cuts them into context-sized segments and applies fill-in-the-middle itself.
"""

import glob
import hashlib
import json
import os

from sources.code import _licence
from sources.split import in_val

JS_EXTS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
# a generated or minified file is not code a person types
MAX_LINE, MAX_MEAN_LINE, MAX_FILE = 400, 90, 200_000


def good_code(text):
    lines = text.split("\n")
    if len(lines) < 5 or len(text) > MAX_FILE:
        return False
    if max(len(l) for l in lines) > MAX_LINE or sum(len(l) for l in lines) / len(lines) > MAX_MEAN_LINE:
        return False
    return True


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return None


def _skip_js(rel):
    return ("/node_modules/" in rel or ".min." in rel or rel.endswith((".d.ts", ".d.mts", ".d.cts"))
            or "/__fixtures__/" in rel or ".bundle." in rel)


def node_packages(node_modules):
    """(name, version, licence, dir) of the top-level packages with a permissive licence."""
    out = []
    for pj in sorted(glob.glob(os.path.join(node_modules, "*", "package.json")) +
                     glob.glob(os.path.join(node_modules, "@*", "*", "package.json"))):
        try:
            with open(pj, encoding="utf-8") as f:
                pkg = json.load(f)
        except (OSError, ValueError):
            continue
        lic = _licence(pkg)
        if lic and isinstance(pkg.get("name"), str):
            out.append((pkg["name"], pkg.get("version"), lic, os.path.dirname(pj)))
    return out


def python_modules(stdlib):
    """Top-level stdlib modules: (name, [files]); a package (email/, asyncio/) is one module."""
    mods = {}
    for path in sorted(glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True)):
        rel = os.path.relpath(path, stdlib)
        top = rel.split(os.sep)[0]
        if top in ("site-packages", "dist-packages", "test") or "/tests/" in rel or "idle_test" in rel:
            continue
        mods.setdefault(top[:-3] if top.endswith(".py") else top, []).append(path)
    return sorted(mods.items())


def gather_corpus(node_modules, stdlib, per_package=600_000, val_frac=0.05, log=lambda *a: None):
    """Returns (train files, val files, sources). A file: {path, package, licence, lang, text}.
    Exact duplicates (a package's cjs and esm copies of one file) are kept once."""
    seen, files, sources = set(), [], []

    def add(path, shown, package, licence, lang):
        text = _read(path)
        if text is None or not good_code(text):
            return 0
        h = hashlib.sha1(text.encode("utf-8")).digest()
        if h in seen:
            return 0
        seen.add(h)
        files.append({"path": shown, "package": package, "licence": licence, "lang": lang, "text": text})
        return len(text)

    for name, version, lic, pdir in node_packages(node_modules):
        got, n = 0, 0
        cands = [p for ext in JS_EXTS for p in glob.glob(os.path.join(pdir, "**", "*" + ext), recursive=True)]
        for path in sorted(cands):
            rel = os.path.relpath(path, node_modules)
            if _skip_js(rel):
                continue
            lang = "typescript" if path.endswith(("ts", "tsx")) else "javascript"
            c = add(path, "node_modules/" + rel, name, lic, lang)
            if c:
                got, n = got + c, n + 1
            if got >= per_package:
                break
        if n:
            sources.append({"package": name, "version": version, "licence": lic, "files": n, "chars": got})
    log(f"node_modules: {len(sources)} packages, {len(files)} files")
    for mod, paths in python_modules(stdlib):
        got, n = 0, 0
        for path in paths:
            c = add(path, path, "python3.11:" + mod, "PSF-2.0", "python")
            if c:
                got, n = got + c, n + 1
        if n:
            sources.append({"package": "python3.11:" + mod, "version": "3.11", "licence": "PSF-2.0", "files": n, "chars": got})
    train, val = [], []
    val_pkgs = {s["package"] for s in sources if in_val("code-pkg|" + s["package"], val_frac)}
    for f in files:
        (val if f["package"] in val_pkgs else train).append(f)
    for s in sources:
        s["split"] = "val" if s["package"] in val_pkgs else "train"
    return train, val, sources
