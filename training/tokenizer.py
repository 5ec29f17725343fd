"""Tokenizers written straight into Hugging Face's `tokenizer.json` format.

The `tokenizers` Python package is not available here, so this file does its two jobs by hand:

* `train_bpe` learns a GPT-2 style byte-level BPE (ByteLevel pre-tokenizer and decoder, the 256
  bytes as base symbols via GPT-2's bytes_to_unicode), and `ByteLevelBPE` encodes/decodes with it
  the way tokenizers.js and HF tokenizers do, so Python can compute the same ids as the server.
* `sentencepiece_bpe_json` turns a SentencePiece BPE vocabulary with scores (e.g. llama2.c's
  tok512.bin) into the classic Llama `tokenizer.json` (byte fallback, `▁` for spaces), deriving
  merges the way transformers' LlamaConverter does.

`save_tokenizer` writes tokenizer.json + tokenizer_config.json (chat template, special tokens,
`clean_up_tokenization_spaces: false`: tokenizers.js defaults it to true, which rewrites " ," and
" 's" on decode and breaks round trips).
"""

import heapq
import json
import os
from collections import Counter, defaultdict

try:  # Debian's python3-regex; needed for \p{L}. The fallback below is close but not exact.
    import regex as _re

    GPT2_PATTERN = _re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
except ImportError:  # pragma: no cover
    import re as _re

    GPT2_PATTERN = _re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|_+|\s+(?!\S)|\s+""")

# ChatML, as Qwen and many small chat models use it.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
CHATML_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# The code model's (loom-code): end of file plus the fill-in-the-middle sentinels (PSM order).
CODE_SPECIALS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"]


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 bytes to printable characters (space → 'Ġ')."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def pretokenize(text):
    """GPT-2 regex split, each piece mapped to byte-level characters (the ByteLevel pre-tokenizer
    with use_regex=true, add_prefix_space=false)."""
    return ["".join(BYTE_ENCODER[b] for b in piece.encode("utf-8")) for piece in GPT2_PATTERN.findall(text)]


# Han characters (CJK ideographs, extension A, compatibility ideographs).
CJK_CHAR = _re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def pretokenize_isolating_cjk(text):
    """The training-side split of `isolate_cjk`: as pretokenize, but each Han character is a word
    of its own. GPT-2's regex keeps a whole Chinese run (a clause) as one word, and BPE then
    learns whole phrases as tokens; learning no merge across two Han characters keeps them
    apart at encoding time too, in any encoder of the same tokenizer.json (tokenizers.js
    included), because BPE only applies merges it has."""
    out = []
    for piece in GPT2_PATTERN.findall(text):
        for part in CJK_CHAR.split(piece) if CJK_CHAR.search(piece) else [piece]:
            if part:
                out.append("".join(BYTE_ENCODER[b] for b in part.encode("utf-8")))
    return out


def train_bpe(texts, vocab_size, special_tokens=CHATML_SPECIALS, min_frequency=2, verbose=False, isolate_cjk=False):
    """Learn byte-level BPE merges from an iterable of strings.

    Returns (vocab, merges): vocab maps token string → id (256 bytes in byte order, then one
    token per merge, then the special tokens); merges is a list of (left, right) pairs in
    priority order. Stops early when no pair occurs min_frequency times.

    Incremental: pair counts are kept for the distinct pre-tokenized words, and each merge
    only revisits the words that contain the merged pair (an index pair → words, with a lazy
    max-heap over counts), so 16k merges over some tens of MB of text stay affordable.
    """
    word_counts = Counter()
    split = pretokenize_isolating_cjk if isolate_cjk else pretokenize
    for text in texts:
        word_counts.update(split(text))

    id_to_tok = [BYTE_ENCODER[b] for b in range(256)]
    tok_to_id = {t: i for i, t in enumerate(id_to_tok)}
    words = [[tok_to_id[c] for c in w] for w in word_counts]
    freqs = list(word_counts.values())

    pair_counts = defaultdict(int)
    where = defaultdict(set)  # pair → indices of words that (may) contain it
    for wi, (syms, f) in enumerate(zip(words, freqs)):
        for pair in zip(syms, syms[1:]):
            pair_counts[pair] += f
            where[pair].add(wi)

    # Max count first; ties broken by the pair's strings so the result is deterministic.
    def entry(pair):
        return (-pair_counts[pair], id_to_tok[pair[0]], id_to_tok[pair[1]], pair)

    heap = [entry(p) for p in pair_counts]
    heapq.heapify(heap)
    merges, merged = [], set()
    n_tokens = vocab_size - len(special_tokens)
    while len(id_to_tok) < n_tokens and heap:
        neg, _, _, pair = heapq.heappop(heap)
        if -neg != pair_counts.get(pair, 0):
            continue  # stale heap entry
        if -neg < min_frequency:
            break
        a, b = pair
        text = id_to_tok[a] + id_to_tok[b]
        # Two merge paths can spell the same string ("a"+"bc", "ab"+"c"): one token, as in HF's trainer.
        new_id = tok_to_id.get(text)
        if new_id is None:
            new_id = len(id_to_tok)
            id_to_tok.append(text)
            tok_to_id[text] = new_id
        if pair not in merged:  # a repeated rule would change its rank in tokenizers.js's map
            merged.add(pair)
            merges.append((id_to_tok[a], id_to_tok[b]))
        changed = set()
        for wi in where.pop(pair):
            syms, f = words[wi], freqs[wi]
            if len(syms) < 2:
                continue
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            if len(out) == len(syms):
                continue
            for p in zip(syms, syms[1:]):
                pair_counts[p] -= f
                changed.add(p)
            for p in zip(out, out[1:]):
                pair_counts[p] += f
                where[p].add(wi)
                changed.add(p)
            words[wi] = out
        pair_counts.pop(pair, None)
        for p in changed:
            if p == pair:
                continue
            if pair_counts[p] > 0:
                heapq.heappush(heap, entry(p))
            else:
                pair_counts.pop(p, None)
        if verbose and len(merges) % 1000 == 0:
            print(f"  {len(merges)} merges, last {merges[-1]!r} x{-neg}")

    vocab = {t: i for i, t in enumerate(id_to_tok)}
    for s in special_tokens:
        vocab[s] = len(vocab)
    return vocab, merges


class ByteLevelBPE:
    """Encoder/decoder for a byte-level BPE, behaving like HF/tokenizers.js on the tokenizer.json
    that `to_json` writes (special tokens are matched in the text first, as added tokens are)."""

    def __init__(self, vocab, merges, special_tokens=CHATML_SPECIALS):
        self.vocab = dict(vocab)
        self.merges = [tuple(m) for m in merges]
        self.special_tokens = list(special_tokens)
        self.id_to_tok = {i: t for t, i in self.vocab.items()}
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self._cache = {}
        alts = sorted(self.special_tokens, key=len, reverse=True)
        self._special_re = _re.compile("(" + "|".join(_re.escape(s) for s in alts) + ")") if alts else None

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        parts = list(word)
        while len(parts) > 1:
            # lowest-ranked adjacent pair, leftmost on ties (tokenizers.js: rank + position bias)
            best = min(range(len(parts) - 1), key=lambda i: (self.ranks.get((parts[i], parts[i + 1]), 1 << 30), i))
            if (parts[best], parts[best + 1]) not in self.ranks:
                break
            parts[best : best + 2] = [parts[best] + parts[best + 1]]
        self._cache[word] = parts
        return parts

    def encode(self, text):
        ids = []
        chunks = self._special_re.split(text) if self._special_re else [text]
        for chunk in chunks:
            if not chunk:
                continue
            if chunk in self.special_tokens:
                ids.append(self.vocab[chunk])
                continue
            for word in pretokenize(chunk):
                ids.extend(self.vocab[t] for t in self._bpe(word))
        return ids

    def decode(self, ids):
        out, buf = [], bytearray()
        for i in ids:
            tok = self.id_to_tok[int(i)]
            if tok in self.special_tokens:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                out.append(tok)
            else:
                buf.extend(BYTE_DECODER[c] for c in tok)
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)

    def token_id(self, token):
        return self.vocab[token]

    def to_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": _added_tokens(self.vocab, self.special_tokens),
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                # "left right" strings: the format every tokenizers version reads (byte-level
                # symbols never contain a space, so the split is unambiguous).
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    @classmethod
    def from_json(cls, tok_json):
        model = tok_json["model"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        specials = [t["content"] for t in tok_json["added_tokens"] if t["special"]]
        return cls(model["vocab"], merges, specials)


def _added_tokens(vocab, special_tokens):
    return [
        {"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for s in special_tokens
    ]


def sentencepiece_bpe_json(pieces, scores, unk_id=0, bos_id=1, eos_id=2):
    """Classic Llama tokenizer.json (legacy mode) from a SentencePiece BPE vocabulary.

    pieces use '▁' for spaces and '<0xNN>' byte pieces. Merges are every split of a piece
    into two vocabulary pieces, ordered by the merged piece's score (highest first), the way
    transformers' LlamaConverter / SentencePieceExtractor builds them: greedy BPE by rank then
    reproduces SentencePiece's "merge the best-scoring pair" loop.
    """
    vocab = {p: i for i, p in enumerate(pieces)}
    merges = []
    for piece, score in zip(pieces, scores):
        local = []
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda m: (vocab[m[0]], vocab[m[1]]))
        merges.extend(local)
    # Python's sort is stable, like the converter's; reverse=True there means: high score first,
    # then longer left piece, then longer right piece.
    merges.sort(key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    assert all(" " not in p for p in pieces)
    specials = [pieces[unk_id], pieces[bos_id], pieces[eos_id]]
    bos = pieces[bos_id]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
            for s in specials
        ],
        # SentencePiece's add_dummy_prefix, then spaces as '▁'.
        "normalizer": {
            "type": "Sequence",
            "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}],
        },
        "pre_tokenizer": None,
        # BOS in front of every encoding, as LlamaTokenizer(add_bos_token=True) does.
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": bos, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": bos, "type_id": 1}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": pieces[unk_id],
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b, _ in merges],
        },
    }


def tokenizer_config(tok_json, bos_token, eos_token, model_max_length, chat_template=None, pad_token=None,
                     unk_token=None, add_bos_token=False, tokenizer_class="PreTrainedTokenizerFast"):
    """tokenizer_config.json in transformers' shape."""
    cfg = {
        "tokenizer_class": tokenizer_class,
        "bos_token": bos_token,
        "eos_token": eos_token,
        "pad_token": pad_token,
        "unk_token": unk_token,
        "add_bos_token": add_bos_token,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
        "added_tokens_decoder": {
            str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
            for t in tok_json["added_tokens"]
        },
    }
    if chat_template is not None:
        cfg["chat_template"] = chat_template
    return cfg


def save_tokenizer(out_dir, tok_json, tok_config):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tok_config, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Train a byte-level BPE on text files and write tokenizer.json")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-length", type=int, default=2048)
    ap.add_argument("--specials", choices=["chatml", "code"], default="chatml",
                    help="chatml: <|endoftext|> <|im_start|> <|im_end|> and the ChatML template; "
                         "code: <|endoftext|> and the FIM sentinels, no chat template")
    ap.add_argument("--isolate-cjk", action="store_true",
                    help="learn no merge across two Han characters (Chinese stays one character a token)")
    ap.add_argument("--whole-files", action="store_true",
                    help="one text per file instead of per line, so merges can span a newline and the "
                         "next line's indentation (code)")
    args = ap.parse_args()

    def lines():
        for path in args.files:
            with open(path, encoding="utf-8") as f:
                if args.whole_files:
                    yield f.read()
                else:
                    yield from f

    specials = CODE_SPECIALS if args.specials == "code" else CHATML_SPECIALS
    vocab, merges = train_bpe(lines(), args.vocab_size, special_tokens=specials, verbose=True, isolate_cjk=args.isolate_cjk)
    tok = ByteLevelBPE(vocab, merges, specials)
    tj = tok.to_json()
    if args.specials == "code":
        tc = tokenizer_config(tj, "<|endoftext|>", "<|endoftext|>", args.max_length, pad_token="<|endoftext|>")
    else:
        tc = tokenizer_config(tj, "<|endoftext|>", "<|im_end|>", args.max_length, CHATML_TEMPLATE, pad_token="<|endoftext|>")
    save_tokenizer(args.out, tj, tc)
    print(f"wrote {args.out}: {len(vocab)} tokens, {len(merges)} merges")
