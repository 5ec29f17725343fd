"""Deterministic splits: a SHA-1 of a grouping key with a fixed salt decides the side, so a row
never changes side between runs and near-duplicates sharing a key stay together.
"""

import hashlib
import re


SALT = "loom-split-v1"


def in_val(key, frac):
    """Deterministic split: True for about `frac` of keys."""
    h = hashlib.sha1((SALT + "|" + key).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < frac


def norm_key(s):
    return re.sub(r"\W+", " ", s.lower()).strip()
