"""Regenerate the encoder-decoder (seq2seq) fixtures (deterministic; a few seconds on 2 cores):

    server/inference/__fixtures__/seq2seq/<family>/   for marian bart t5

    /usr/bin/python3 training/make_seq2seq_fixtures.py [--out server/inference/__fixtures__/seq2seq]

Each folder is a tiny random-weight model in the layout transformers.js and Optimum use:
config.json (the HF config class's keys), generation_config.json, tokenizer.json +
tokenizer_config.json, onnx/encoder_model.onnx (input_ids, attention_mask → last_hidden_state) and
onnx/decoder_model_merged.onnx (encoder_attention_mask, input_ids, encoder_hidden_states,
past_key_values.N.{decoder,encoder}.{key,value}, use_cache_branch → logits,
present.N.{decoder,encoder}.{key,value}), and golden.json: PyTorch's encoder output, first decoder
logits and cached greedy steps.

The merged decoder is built the way Optimum's merge_decoders builds it: the decoder without past
and the decoder with past are exported separately (torch 1.13's TorchScript exporter), then put
into the two branches of one `If` on use_cache_branch (then: with past, else: without). The
without-past branch ignores the past inputs (fed with a zero-length sequence axis, as transformers.js
and Loom feed them); the with-past branch hands the encoder KV through unchanged, so both branches
have the same outputs. Each branch keeps its own copy of the weights (Optimum dedups them into the
outer graph; at this size the copy costs less than the rewrite).

transformers is not installed here, so the forward passes are written out below with the real
families' parameter names, shapes and quirks:
* marian: post-LN layers, swish, sinusoidal positions (sin half then cos half, from the past length,
  no offset), embeddings scaled by sqrt(d_model), lm_head tied to the shared embedding plus
  final_logits_bias, decoder_start_token_id = pad, generation bans pad (bad_words_ids [[pad]]).
  The tokenizer is the SentencePiece Unigram as transformers' MarianConverter writes tokenizer.json
  (Metaspace, "$A </s>"), over a small hand-made vocabulary.
* bart: post-LN layers, gelu, learned positions with offset 2, layernorm_embedding on both sides, no
  embedding scale, final_logits_bias, decoder_start_token_id = eos, forced_bos_token_id = bos. The
  tokenizer is a byte-level BPE trained here ("<s> $A </s>").
* t5: pre-RMS-norm blocks (weight only, no bias anywhere), relative position buckets (the first
  layer's bias shared by all layers; bidirectional in the encoder, causal in the decoder), no
  scaling of attention scores, relu FFN, tied lm_head with the output scaled by d_model**-0.5,
  decoder_start_token_id = pad (0), eos 1; tasks by prefix ("summarize: "). Tokenizer: Unigram as
  transformers' T5Converter writes it (pad 0, </s> 1, <unk> 2, "$A </s>").
"""

import argparse
import json
import math
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import CORPUS  # noqa: E402
from tokenizer import ByteLevelBPE, train_bpe  # noqa: E402

OPSET = 14
GREEDY_STEPS = 6

# ---------------------------------------------------------------------------------------------
# Configs


def marian_config():
    vocab = len(marian_pieces()) + 3  # </s>, <unk>, pieces, <pad>
    pad = vocab - 1
    return {
        "_name_or_path": "Helsinki-NLP/opus-mt-en-de",
        "architectures": ["MarianMTModel"],
        "model_type": "marian",
        "is_encoder_decoder": True,
        "activation_function": "swish",
        "d_model": 16,
        "encoder_layers": 2,
        "decoder_layers": 2,
        "encoder_attention_heads": 2,
        "decoder_attention_heads": 2,
        "encoder_ffn_dim": 32,
        "decoder_ffn_dim": 32,
        "max_position_embeddings": 64,
        "vocab_size": vocab,
        "decoder_vocab_size": vocab,
        "scale_embedding": True,
        "share_encoder_decoder_embeddings": True,
        "normalize_before": False,
        "static_position_embeddings": True,
        "pad_token_id": pad,
        "eos_token_id": 0,
        "bos_token_id": 0,
        "decoder_start_token_id": pad,
        "forced_eos_token_id": 0,
        "num_hidden_layers": 2,
        "use_cache": True,
    }


def bart_config(vocab_size, bos, pad, eos):
    return {
        "_name_or_path": "facebook/bart-large-cnn",
        "architectures": ["BartForConditionalGeneration"],
        "model_type": "bart",
        "is_encoder_decoder": True,
        "activation_function": "gelu",
        "d_model": 16,
        "encoder_layers": 2,
        "decoder_layers": 2,
        "encoder_attention_heads": 2,
        "decoder_attention_heads": 2,
        "encoder_ffn_dim": 32,
        "decoder_ffn_dim": 32,
        "max_position_embeddings": 64,
        "vocab_size": vocab_size,
        "scale_embedding": False,
        "normalize_before": False,
        "add_final_layer_norm": False,
        "pad_token_id": pad,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "decoder_start_token_id": eos,
        "forced_bos_token_id": bos,
        "forced_eos_token_id": eos,
        "num_hidden_layers": 2,
        "use_cache": True,
    }


# ---------------------------------------------------------------------------------------------
# Tokenizers

MARIAN_WORDS = (
    "the cat sat on mat a dog is big small house tree sun day good morning hello world "
    "die katze sitzt auf der matte ein hund ist groß klein haus baum sonne tag guten morgen hallo welt"
).split()


def marian_pieces():
    chars = sorted(set("".join(MARIAN_WORDS)) | set("abcdefghijklmnopqrstuvwxyz.,!?"))
    return ["▁"] + chars + ["▁" + w for w in MARIAN_WORDS]


def marian_tokenizer(config):
    """tokenizer.json as transformers' MarianConverter writes it (Unigram over source.spm)."""
    pieces = marian_pieces()
    vocab = [["</s>", 0.0], ["<unk>", 0.0]]
    for p in pieces:
        # Whole words score far above characters, as a trained SentencePiece model would.
        vocab.append([p, -2.0 if len(p) > 2 else -8.0])
    vocab.append(["<pad>", 0.0])
    assert len(vocab) == config["vocab_size"]
    special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,  # noqa: E731
                            "normalized": False, "special": True}
    pad = config["pad_token_id"]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(0, "</s>"), special(1, "<unk>"), special(pad, "<pad>")],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [0], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 1, "vocab": vocab, "byte_fallback": False},
    }
    tok_config = {
        "tokenizer_class": "MarianTokenizer",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "model_max_length": 512,
        "source_lang": "en",
        "target_lang": "de",
        "separate_vocabs": False,
    }
    return tok, tok_config


def marian_encode(text):
    """Greedy longest-piece encoding: equals the Unigram's best path on this vocabulary, where a
    whole word always beats its characters (-2 vs -8 per character)."""
    ids, pieces = [], marian_pieces()
    index = {p: i + 2 for i, p in enumerate(pieces)}
    for word in text.split():
        word = "▁" + word
        if word in index:
            ids.append(index[word])
            continue
        for j, ch in enumerate(word):
            ids.append(index.get(ch, 1))
    return ids + [0]


BART_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def bart_tokenizer():
    vocab, merges = train_bpe([line for line in CORPUS.split("\n")], 300, special_tokens=BART_SPECIALS)
    bpe = ByteLevelBPE(vocab, merges, BART_SPECIALS)
    tok = bpe.to_json()
    bos, eos = vocab["<s>"], vocab["</s>"]
    tok["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [bos], "tokens": ["<s>"]},
                           "</s>": {"id": "</s>", "ids": [eos], "tokens": ["</s>"]}},
    }
    tok_config = {"tokenizer_class": "BartTokenizer", "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
                  "unk_token": "<unk>", "model_max_length": 64}
    return bpe, tok, tok_config


# ---------------------------------------------------------------------------------------------
# Models (BART-style layers; Marian and BART differ in positions, embeddings and activation)


def marian_sinusoids(n, dim):
    """MarianSinusoidalPositionalEmbedding._init_weight: sin in the first half, cos in the second."""
    pos = np.arange(n)[:, None]
    j = np.arange(dim)[None, :]
    enc = pos / np.power(10000, 2 * (j // 2) / dim)
    out = np.zeros((n, dim), dtype=np.float32)
    half = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out[:, :half] = np.sin(enc[:, 0::2])
    out[:, half:] = np.cos(enc[:, 1::2])
    return torch.tensor(out)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def shape(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def attend(self, x, k, v, mask):
        q = self.shape(self.q_proj(x) * self.scaling)
        w = q @ k.transpose(-1, -2) + mask
        out = torch.softmax(w, dim=-1) @ v
        b, _, s, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, s, -1))


ACT = {"swish": F.silu, "gelu": F.gelu}


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.self_attn = Attention(d, c["encoder_attention_heads"])
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, c["encoder_ffn_dim"]), nn.Linear(c["encoder_ffn_dim"], d)
        self.final_layer_norm = nn.LayerNorm(d)
        self.act = ACT[c["activation_function"]]

    def forward(self, h, mask):
        a = self.self_attn
        h = self.self_attn_layer_norm(h + a.attend(h, a.shape(a.k_proj(h)), a.shape(a.v_proj(h)), mask))
        return self.final_layer_norm(h + self.fc2(self.act(self.fc1(h))))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.self_attn = Attention(d, c["decoder_attention_heads"])
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.encoder_attn = Attention(d, c["decoder_attention_heads"])
        self.encoder_attn_layer_norm = nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, c["decoder_ffn_dim"]), nn.Linear(c["decoder_ffn_dim"], d)
        self.final_layer_norm = nn.LayerNorm(d)
        self.act = ACT[c["activation_function"]]

    def forward(self, h, self_mask, cross_mask, past_k, past_v, enc_k, enc_v):
        a = self.self_attn
        k = torch.cat([past_k, a.shape(a.k_proj(h))], dim=2)
        v = torch.cat([past_v, a.shape(a.v_proj(h))], dim=2)
        h = self.self_attn_layer_norm(h + a.attend(h, k, v, self_mask))
        h = self.encoder_attn_layer_norm(h + self.encoder_attn.attend(h, enc_k, enc_v, cross_mask))
        h = self.final_layer_norm(h + self.fc2(self.act(self.fc1(h))))
        return h, k, v


class Seq2Seq(nn.Module):
    """MarianMTModel / BartForConditionalGeneration, parameter names as in transformers."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        d, n = c["d_model"], c["max_position_embeddings"]
        self.shared = nn.Embedding(c["vocab_size"], d)
        self.embed_scale = math.sqrt(d) if c["scale_embedding"] else 1.0
        self.marian = c["model_type"] == "marian"
        if self.marian:
            self.register_buffer("positions", marian_sinusoids(n, d))
        else:
            # BartLearnedPositionalEmbedding: offset 2 (fairseq's padding_idx + 1).
            self.encoder_embed_positions = nn.Embedding(n + 2, d)
            self.decoder_embed_positions = nn.Embedding(n + 2, d)
            self.encoder_layernorm_embedding = nn.LayerNorm(d)
            self.decoder_layernorm_embedding = nn.LayerNorm(d)
        self.encoder_layers = nn.ModuleList(EncoderLayer(c) for _ in range(c["encoder_layers"]))
        self.decoder_layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["decoder_layers"]))
        self.register_buffer("final_logits_bias", torch.zeros(1, c["vocab_size"]))

    def kv_dims(self):
        heads = self.c["decoder_attention_heads"]
        return self.c["decoder_layers"], heads, self.c["d_model"] // heads

    def embed(self, ids, start, side):
        x = self.shared(ids) * self.embed_scale
        pos = torch.arange(ids.shape[1]) + start
        if self.marian:
            return x + self.positions[pos]
        table = self.encoder_embed_positions if side == "encoder" else self.decoder_embed_positions
        norm = self.encoder_layernorm_embedding if side == "encoder" else self.decoder_layernorm_embedding
        return norm(x + table(pos + 2))

    def encode(self, ids, mask):
        h = self.embed(ids, 0, "encoder")
        m = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.encoder_layers:
            h = layer(h, m)
        return h

    def cross_kv(self, enc):
        return [(l.encoder_attn.shape(l.encoder_attn.k_proj(enc)), l.encoder_attn.shape(l.encoder_attn.v_proj(enc)))
                for l in self.decoder_layers]

    def decode(self, ids, enc_mask, past, cross):
        """past: per layer (k, v) with a possibly empty sequence axis; cross: per layer (k, v)."""
        start = past[0][0].shape[2]
        h = self.embed(ids, start, "decoder")
        s = ids.shape[1]
        total = start + s
        q_pos = torch.arange(s)[:, None] + start
        causal = (torch.arange(total)[None, :] > q_pos).float() * torch.finfo(torch.float32).min
        cross_mask = (1.0 - enc_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        presents = []
        for layer, (pk, pv), (ek, ev) in zip(self.decoder_layers, past, cross):
            h, k, v = layer(h, causal[None, None], cross_mask, pk, pv, ek, ev)
            presents.append((k, v))
        logits = h @ self.shared.weight.T + self.final_logits_bias
        return logits, presents


def init_random(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
        if hasattr(model, "final_logits_bias"):
            model.final_logits_bias.copy_(0.1 * torch.randn(model.final_logits_bias.shape, generator=g))


# ---------------------------------------------------------------------------------------------
# T5 (T5ForConditionalGeneration, v1.0: relu FFN, tied lm_head)


def t5_config(vocab_size):
    return {
        "_name_or_path": "t5-small",
        "architectures": ["T5ForConditionalGeneration"],
        "model_type": "t5",
        "is_encoder_decoder": True,
        "d_model": 16,
        "d_kv": 8,
        "d_ff": 32,
        "num_layers": 2,
        "num_decoder_layers": 2,
        "num_heads": 2,
        "relative_attention_num_buckets": 8,
        "relative_attention_max_distance": 16,
        "feed_forward_proj": "relu",
        "layer_norm_epsilon": 1e-6,
        "tie_word_embeddings": True,
        "vocab_size": vocab_size,
        "n_positions": 64,
        "pad_token_id": 0,
        "eos_token_id": 1,
        "decoder_start_token_id": 0,
        "use_cache": True,
    }


T5_WORDS = MARIAN_WORDS + ["summarize", "translate", "English", "to", "German"]


def t5_pieces():
    chars = sorted(set("".join(T5_WORDS)) | set("abcdefghijklmnopqrstuvwxyz.,!?:"))
    return ["▁"] + chars + ["▁" + w for w in T5_WORDS]


def t5_tokenizer():
    """tokenizer.json as transformers' T5Converter writes it: Unigram, pad 0, </s> 1, <unk> 2, "$A </s>"."""
    vocab = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p, -2.0 if len(p) > 2 else -8.0] for p in t5_pieces()]
    special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,  # noqa: E731
                            "normalized": False, "special": True}
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(0, "<pad>"), special(1, "</s>"), special(2, "<unk>")],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": False},
    }
    tok_config = {"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                  "model_max_length": 64}
    return tok, tok_config


def t5_encode(text):
    """The Unigram's best path here: per word, the whole word if it is a piece, then characters."""
    index = {p: i + 3 for i, p in enumerate(t5_pieces())}
    ids = []
    for word in text.split():
        word = "▁" + word
        j = len(word)
        while j > 0 and word[:j] not in index:
            j -= 1
        if j > 2:  # a whole-word piece, then the rest as characters
            ids.append(index[word[:j]])
            rest = word[j:]
        else:
            rest = word
        ids += [index.get(ch, 2) for ch in rest]
    return ids + [1]


def relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket, as in transformers."""
    buckets = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    # clamp(min=1): log(0) is never chosen (is_small), but -inf cast to int64 is undefined in ONNX.
    large = max_exact + (
        torch.log(relative_position.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, relative_position, large)


class T5LayerNorm(nn.Module):
    """RMS norm: no mean subtracted, no bias."""

    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, h):
        return self.weight * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps))


class T5Attention(nn.Module):
    def __init__(self, c, relative, bidirectional):
        super().__init__()
        self.heads, self.d_kv = c["num_heads"], c["d_kv"]
        inner = self.heads * self.d_kv
        self.q, self.k, self.v = (nn.Linear(c["d_model"], inner, bias=False) for _ in range(3))
        self.o = nn.Linear(inner, c["d_model"], bias=False)
        self.bidirectional = bidirectional
        self.buckets, self.max_distance = c["relative_attention_num_buckets"], c["relative_attention_max_distance"]
        if relative:
            self.relative_attention_bias = nn.Embedding(self.buckets, self.heads)

    def shape(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.d_kv).transpose(1, 2)

    def compute_bias(self, query_length, key_length, offset):
        context = torch.arange(query_length)[:, None] + offset
        memory = torch.arange(key_length)[None, :]
        bucket = relative_position_bucket(memory - context, self.bidirectional, self.buckets, self.max_distance)
        return self.relative_attention_bias(bucket).permute(2, 0, 1).unsqueeze(0)

    def attend(self, x, k, v, bias):
        # T5 does not scale the scores (the 1/sqrt(d_kv) is folded into the initialisation).
        w = self.shape(self.q(x)) @ k.transpose(-1, -2) + bias
        out = torch.softmax(w, dim=-1) @ v
        b, _, s, _ = out.shape
        return self.o(out.transpose(1, 2).reshape(b, s, -1))


class T5Block(nn.Module):
    def __init__(self, c, relative, decoder):
        super().__init__()
        eps = c["layer_norm_epsilon"]
        self.SelfAttention = T5Attention(c, relative, bidirectional=not decoder)
        self.self_norm = T5LayerNorm(c["d_model"], eps)
        if decoder:
            self.EncDecAttention = T5Attention(c, False, bidirectional=True)
            self.cross_norm = T5LayerNorm(c["d_model"], eps)
        self.wi = nn.Linear(c["d_model"], c["d_ff"], bias=False)
        self.wo = nn.Linear(c["d_ff"], c["d_model"], bias=False)
        self.ff_norm = T5LayerNorm(c["d_model"], eps)

    def ff(self, h):
        return h + self.wo(F.relu(self.wi(self.ff_norm(h))))


class T5(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.shared = nn.Embedding(c["vocab_size"], c["d_model"])
        self.encoder_block = nn.ModuleList(T5Block(c, i == 0, False) for i in range(c["num_layers"]))
        self.encoder_final_layer_norm = T5LayerNorm(c["d_model"], c["layer_norm_epsilon"])
        self.decoder_block = nn.ModuleList(T5Block(c, i == 0, True) for i in range(c["num_decoder_layers"]))
        self.decoder_final_layer_norm = T5LayerNorm(c["d_model"], c["layer_norm_epsilon"])
        self.decoder_layers = self.decoder_block

    def kv_dims(self):
        return self.c["num_decoder_layers"], self.c["num_heads"], self.c["d_kv"]

    def encode(self, ids, mask):
        h = self.shared(ids)
        s = ids.shape[1]
        m = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        # The first layer's relative bias, shared by every layer (as T5Stack passes it on).
        bias = self.encoder_block[0].SelfAttention.compute_bias(s, s, 0) + m
        for block in self.encoder_block:
            a = block.SelfAttention
            n = block.self_norm(h)
            h = h + a.attend(n, a.shape(a.k(n)), a.shape(a.v(n)), bias)
            h = block.ff(h)
        return self.encoder_final_layer_norm(h)

    def cross_kv(self, enc):
        return [(b.EncDecAttention.shape(b.EncDecAttention.k(enc)), b.EncDecAttention.shape(b.EncDecAttention.v(enc)))
                for b in self.decoder_block]

    def decode(self, ids, enc_mask, past, cross):
        start = past[0][0].shape[2]
        s = ids.shape[1]
        total = start + s
        h = self.shared(ids)
        q_pos = torch.arange(s)[:, None] + start
        causal = (torch.arange(total)[None, :] > q_pos).float() * torch.finfo(torch.float32).min
        bias = self.decoder_block[0].SelfAttention.compute_bias(s, total, start) + causal[None, None]
        cross_bias = (1.0 - enc_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        presents = []
        for block, (pk, pv), (ek, ev) in zip(self.decoder_block, past, cross):
            a = block.SelfAttention
            n = block.self_norm(h)
            k = torch.cat([pk, a.shape(a.k(n))], dim=2)
            v = torch.cat([pv, a.shape(a.v(n))], dim=2)
            h = h + a.attend(n, k, v, bias)
            h = h + block.EncDecAttention.attend(block.cross_norm(h), ek, ev, cross_bias)
            h = block.ff(h)
            presents.append((k, v))
        h = self.decoder_final_layer_norm(h)
        # Tied lm_head: the output is scaled by d_model**-0.5 first (T5ForConditionalGeneration).
        logits = (h * self.c["d_model"] ** -0.5) @ self.shared.weight.T
        return logits, presents


# ---------------------------------------------------------------------------------------------
# Export


class _EncoderIO(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.encode(input_ids, attention_mask)


class _DecoderIO(nn.Module):
    """Without past: computes the encoder KV. With past: takes everything from past_key_values."""

    def __init__(self, m, with_past):
        super().__init__()
        self.m, self.with_past = m, with_past

    def forward(self, encoder_attention_mask, input_ids, encoder_hidden_states, *past):
        n = len(self.m.decoder_layers)
        if self.with_past:
            dec = [(past[4 * i], past[4 * i + 1]) for i in range(n)]
            cross = [(past[4 * i + 2], past[4 * i + 3]) for i in range(n)]
        else:
            _, heads, hd = self.m.kv_dims()
            empty = torch.zeros(input_ids.shape[0], heads, 0, hd)
            dec = [(empty, empty) for _ in range(n)]
            cross = self.m.cross_kv(encoder_hidden_states)
        logits, presents = self.m.decode(input_ids, encoder_attention_mask, dec, cross)
        out = [logits]
        for (k, v), (ek, ev) in zip(presents, cross):
            # The encoder KV goes out through an Identity-like op so that the with-past branch
            # has outputs of its own (an If branch may not output its outer inputs by name).
            out += [k, v, ek * 1.0, ev * 1.0]
        return tuple(out)


def kv_names(n, prefix):
    return [f"{prefix}.{i}.{side}.{kv}" for i in range(n) for side in ("decoder", "encoder") for kv in ("key", "value")]


def export_encoder(model, path):
    ids = torch.tensor([[5, 6, 7], [8, 9, 10]])
    mask = torch.ones_like(ids)
    axes = {"input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
            "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_EncoderIO(model.eval()), (ids, mask), path, input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                          do_constant_folding=True)


def export_decoder(model, path, with_past):
    c = model.c
    n, heads, hd = model.kv_dims()
    B, E, S, P = 2, 5, 1 if with_past else 3, 4
    ids = torch.full((B, S), 5)
    enc = torch.randn(B, E, c["d_model"])
    enc_mask = torch.ones(B, E, dtype=torch.long)
    past = []
    for _ in range(n):
        past += [torch.zeros(B, heads, P, hd), torch.zeros(B, heads, P, hd),
                 torch.zeros(B, heads, E, hd), torch.zeros(B, heads, E, hd)]
    past_names = kv_names(n, "past_key_values") if with_past else []
    present_names = kv_names(n, "present")
    axes = {"encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
            "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
            "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for name in past_names:
        axes[name] = {0: "batch_size", 2: "past_decoder_sequence_length" if ".decoder." in name else "encoder_sequence_length_out"}
    for name in present_names:
        axes[name] = {0: "batch_size", 2: "decoder_sequence_length_out" if ".decoder." in name else "encoder_sequence_length_out"}
    args = (enc_mask, ids, enc, *(past if with_past else []))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_DecoderIO(model.eval(), with_past), args, path,
                          input_names=["encoder_attention_mask", "input_ids", "encoder_hidden_states", *past_names],
                          output_names=["logits", *present_names], dynamic_axes=axes, opset_version=OPSET,
                          do_constant_folding=True)


def _branch(graph, prefix, outer_inputs):
    """A subgraph for an If branch: no inputs (it reads the outer graph's by name), every name of
    its own prefixed so the two branches and the outer graph never share one."""
    rename = {}
    for init in graph.initializer:
        rename[init.name] = prefix + init.name
    for node in graph.node:
        for out in node.output:
            if out:
                rename[out] = prefix + out
    for value in graph.input:
        if value.name not in outer_inputs:
            raise ValueError(f"{value.name} is not an input of the merged graph")

    def name(n):
        return rename.get(n, n)

    for init in graph.initializer:
        init.name = name(init.name)
    for node in graph.node:
        node.name = prefix + node.name
        node.input[:] = [name(i) for i in node.input]
        node.output[:] = [name(o) for o in node.output]
    outputs = []
    for out in graph.output:
        vi = onnx.ValueInfoProto()
        vi.CopyFrom(out)
        vi.name = name(out.name)
        outputs.append(vi)
    return helper.make_graph(list(graph.node), prefix + "branch", [], outputs, list(graph.initializer))


def merge_decoders(no_past_path, with_past_path, out_path, n_layers):
    no_past, with_past = onnx.load(no_past_path), onnx.load(with_past_path)
    # Optimum's order: the no-past inputs (encoder_hidden_states only it reads), the past, the flag.
    inputs = list(no_past.graph.input)
    inputs += [i for i in with_past.graph.input if i.name.startswith("past_key_values.")]
    inputs.append(helper.make_tensor_value_info("use_cache_branch", onnx.TensorProto.BOOL, [1]))
    names = {i.name for i in inputs}
    then_branch = _branch(with_past.graph, "with_past_", names)
    else_branch = _branch(no_past.graph, "no_past_", names)
    outputs = list(no_past.graph.output)
    node = helper.make_node("If", ["use_cache_branch"], [o.name for o in outputs], name="optimum::if",
                            then_branch=then_branch, else_branch=else_branch)
    graph = helper.make_graph([node], "merged_decoder", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="loom-fixtures")
    model.ir_version = no_past.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, out_path)


# ---------------------------------------------------------------------------------------------
# Goldens


def _row(t):
    return [round(float(x), 6) for x in t.reshape(-1).tolist()]


def greedy(model, ids, steps, start, banned, forced_bos):
    """Encode once, then decode one token at a time with the cache, as the engine does."""
    c = model.c
    mask = torch.ones_like(ids)
    n, heads, hd = model.kv_dims()
    with torch.no_grad():
        enc = model.encode(ids, mask)
        cross = model.cross_kv(enc)
        past = [(torch.zeros(1, heads, 0, hd), torch.zeros(1, heads, 0, hd)) for _ in range(n)]
        token = torch.tensor([[start]])
        out_ids, logits_rows = [], []
        for step in range(steps):
            logits, past = model.decode(token, mask, past, cross)
            row = logits[0, -1].clone()
            logits_rows.append(_row(row))
            for b in banned:
                row[b] = -math.inf
            nxt = forced_bos if (step == 0 and forced_bos is not None) else int(torch.argmax(row))
            out_ids.append(nxt)
            token = torch.tensor([[nxt]])
    return enc, out_ids, logits_rows


def write_json(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def make_family(family, out_dir, seed):
    torch.manual_seed(seed)
    if family == "marian":
        config = marian_config()
        config["loom"] = {"languages": ["en", "de"], "translation_pairs": [["en", "de"]], "tasks": ["translate"]}
        tok, tok_config = marian_tokenizer(config)
        prompt = "the cat sat on the mat"
        ids = marian_encode(prompt)
        generation = {"bad_words_ids": [[config["pad_token_id"]]], "bos_token_id": 0,
                      "decoder_start_token_id": config["pad_token_id"], "eos_token_id": 0,
                      "forced_eos_token_id": 0, "max_length": 64, "num_beams": 1,
                      "pad_token_id": config["pad_token_id"]}
        banned, forced_bos = [config["pad_token_id"]], None
    elif family == "t5":
        tok, tok_config = t5_tokenizer()
        config = t5_config(len(tok["model"]["vocab"]))
        config["loom"] = {"tasks": ["summarize", "translate"], "languages": ["en", "de"],
                          "translation_pairs": [["en", "de"]]}
        prompt = "summarize: the cat sat on the mat"
        ids = t5_encode(prompt)
        generation = {"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0, "max_length": 64,
                      "num_beams": 1}
        banned, forced_bos = [], None
    else:
        bpe, tok, tok_config = bart_tokenizer()
        v = bpe.vocab
        config = bart_config(len(v), v["<s>"], v["<pad>"], v["</s>"])
        config["loom"] = {"tasks": ["summarize"]}
        prompt = "Once upon a time, in a small town by the river"
        ids = [v["<s>"]] + bpe.encode(prompt) + [v["</s>"]]
        generation = {"bos_token_id": v["<s>"], "decoder_start_token_id": v["</s>"], "eos_token_id": v["</s>"],
                      "forced_bos_token_id": v["<s>"], "forced_eos_token_id": v["</s>"], "max_length": 64,
                      "num_beams": 1, "pad_token_id": v["<pad>"]}
        banned, forced_bos = [], v["<s>"]
    model = (T5(config) if family == "t5" else Seq2Seq(config)).eval()
    init_random(model, seed)

    family_dir = os.path.join(out_dir, family)
    shutil.rmtree(family_dir, ignore_errors=True)
    onnx_dir = os.path.join(family_dir, "onnx")
    os.makedirs(onnx_dir)
    write_json(os.path.join(family_dir, "config.json"), config)
    write_json(os.path.join(family_dir, "generation_config.json"), generation)
    write_json(os.path.join(family_dir, "tokenizer.json"), tok, compact=True)
    write_json(os.path.join(family_dir, "tokenizer_config.json"), tok_config)

    export_encoder(model, os.path.join(onnx_dir, "encoder_model.onnx"))
    tmp_a, tmp_b = os.path.join(onnx_dir, "_no_past.onnx"), os.path.join(onnx_dir, "_with_past.onnx")
    export_decoder(model, tmp_a, with_past=False)
    export_decoder(model, tmp_b, with_past=True)
    merge_decoders(tmp_a, tmp_b, os.path.join(onnx_dir, "decoder_model_merged.onnx"), model.kv_dims()[0])
    os.remove(tmp_a)
    os.remove(tmp_b)

    input_ids = torch.tensor([ids])
    enc, out_ids, logits_rows = greedy(model, input_ids, GREEDY_STEPS, generation["decoder_start_token_id"],
                                       banned, forced_bos)
    golden = {
        "prompt": prompt,
        "input_ids": ids,
        "decoder_start_token_id": generation["decoder_start_token_id"],
        "encoder_last_hidden_state": _row(enc),
        "encoder_shape": list(enc.shape),
        "greedy_ids": out_ids,
        "step_logits": logits_rows,
    }
    write_json(os.path.join(family_dir, "golden.json"), golden, compact=True)
    return model, golden


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "server", "inference", "__fixtures__", "seq2seq"))
    parser.add_argument("--families", default="marian,bart,t5")
    args = parser.parse_args()
    for i, family in enumerate(args.families.split(",")):
        make_family(family, args.out, seed=100 + i)
        print(f"wrote {family}")


if __name__ == "__main__":
    main()
