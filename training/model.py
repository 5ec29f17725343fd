"""Loom's reference models, the whole architecture in one file (nanoGPT style).

* `LlamaForCausalLM`: a LLaMA decoder whose `state_dict` uses Hugging Face's parameter names
  exactly and whose config is a plain dict shaped like HF's `LlamaConfig`, so a checkpoint moves
  between this file and `transformers` without renaming, and `export_onnx.py` writes the same
  ONNX interface Optimum does.
* `EncoderClassifier`: a small Transformer encoder for sequence classification (sentiment).

Both are written to export cleanly with torch 1.13's ONNX exporter: attention is spelled out
(no `scaled_dot_product_attention` in 1.13), masks come from `arange` comparisons on runtime
shapes (so batch, sequence and past lengths stay dynamic axes), and masked scores use a large
finite negative instead of -inf (a fully padded row then softmaxes to a harmless uniform row
rather than NaN).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Added to masked attention scores. Finite on purpose: see the module docstring.
MASK_VALUE = -1e9

LLAMA_DEFAULTS = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_act": "silu",
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
    "initializer_range": 0.02,
    "use_cache": True,
    "torch_dtype": "float32",
}


def llama_config(**overrides):
    """A complete HF-style LlamaConfig dict: defaults, then overrides, then derived fields."""
    cfg = {**LLAMA_DEFAULTS, **overrides}
    cfg.setdefault("num_key_value_heads", cfg["num_attention_heads"])
    cfg.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    assert cfg["head_dim"] * cfg["num_attention_heads"] == cfg["hidden_size"]
    assert cfg["num_attention_heads"] % cfg["num_key_value_heads"] == 0
    return cfg


# --------------------------------------------------------------------------------------------
# LLaMA decoder
# --------------------------------------------------------------------------------------------


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    # HF's rotary convention: dimension i is paired with i + head_dim/2 (not with i+1, as in
    # Meta's original code and llama2.c; convert_llama2c.py permutes q/k rows to match).
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg["num_attention_heads"]
        self.n_kv_heads = cfg["num_key_value_heads"]
        self.head_dim = cfg["head_dim"]
        d, bias = cfg["hidden_size"], cfg["attention_bias"]
        self.q_proj = nn.Linear(d, self.n_heads * self.head_dim, bias=bias)
        self.k_proj = nn.Linear(d, self.n_kv_heads * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(d, self.n_kv_heads * self.head_dim, bias=bias)
        self.o_proj = nn.Linear(self.n_heads * self.head_dim, d, bias=bias)

    def forward(self, x, cos, sin, mask, past_kv):
        B, S, _ = x.shape
        q = self.q_proj(x).view(B, S, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, S, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, S, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_kv is not None:
            k = torch.cat((past_kv[0], k), dim=2)
            v = torch.cat((past_kv[1], v), dim=2)
        present = (k, v)  # cached with kv heads, not repeated (as HF does)

        # Grouped-query attention without copying k/v: view the query heads as
        # [kv_head, group] so one k/v head broadcasts over its group. Query head h uses kv head
        # h // group, the same assignment as HF's repeat_kv.
        group = self.n_heads // self.n_kv_heads
        q = q.reshape(B, self.n_kv_heads, group, S, self.head_dim)
        att = torch.matmul(q, k.unsqueeze(2).transpose(-1, -2)) / math.sqrt(self.head_dim)
        att = att.masked_fill(~mask, MASK_VALUE)  # mask: [B, 1, 1, S, T] bool, True = attend
        if att.dtype == torch.float32:
            att = F.softmax(att, dim=-1)
        else:  # bf16 autocast in training: the softmax itself stays in fp32 (an fp32 export has no casts)
            att = F.softmax(att.float(), dim=-1).to(att.dtype)
        y = torch.matmul(att, v.unsqueeze(2))  # [B, kv, group, S, D]
        y = y.reshape(B, self.n_heads, S, self.head_dim).transpose(1, 2).reshape(B, S, -1)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, h, bias = cfg["hidden_size"], cfg["intermediate_size"], cfg["mlp_bias"]
        self.gate_proj = nn.Linear(d, h, bias=bias)
        self.up_proj = nn.Linear(d, h, bias=bias)
        self.down_proj = nn.Linear(h, d, bias=bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask, past_kv):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_kv)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class LlamaForCausalLM(nn.Module):
    """Parameter names match transformers' LlamaForCausalLM (`model.layers.0.self_attn.q_proj.weight` …)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg = llama_config(**cfg)
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        if cfg["tie_word_embeddings"]:
            self.lm_head.weight = self.model.embed_tokens.weight
        hd = cfg["head_dim"]
        # Same float32 arithmetic as HF, so positions far from 0 agree too. Not saved: it is
        # derived from the config, and HF checkpoints do not carry it either.
        inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def init_weights(self, std=None, generator=None):
        """Normal(0, std) for matrices, ones for norms (HF's _init_weights)."""
        std = self.config["initializer_range"] if std is None else std
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            else:
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=generator) * std)
        return self

    def forward(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None):
        """input_ids [B, S]; attention_mask [B, past+S] (1 = real token); position_ids [B, S];
        past_key_values: one (key, value) per layer, each [B, kv_heads, past, head_dim], or None.
        Returns logits [B, S, vocab] and the present (key, value) per layer, past+S long."""
        B, S = input_ids.shape
        past_len = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones(B, past_len + S, dtype=torch.long, device=input_ids.device)
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + S, device=input_ids.device).expand(B, S)

        # Rotary angles straight from position_ids (left-padded batches give each row its own
        # positions; no precomputed table limits the length).
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)[:, None]  # [B, 1, S, head_dim]
        cos, sin = emb.cos(), emb.sin()

        # Causal + padding mask built from the runtime lengths: query i sits at absolute
        # position T - S + i and may see key j <= that position if the key is not padding.
        T = attention_mask.shape[1]
        q_pos = torch.arange(S, device=input_ids.device) + (T - S)
        k_pos = torch.arange(T, device=input_ids.device)
        causal = k_pos[None, :] <= q_pos[:, None]  # [S, T]
        mask = causal[None, None, None] & attention_mask.bool()[:, None, None, None, :]

        x = self.model.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.model.layers):
            x, present = layer(x, cos, sin, mask, None if past_key_values is None else past_key_values[i])
            presents.append(present)
        logits = self.lm_head(self.model.norm(x))
        return logits, presents


def empty_past(cfg, batch=1):
    """Zero-length cache, the shape a first decoding step receives in ONNX."""
    shape = (batch, cfg["num_key_value_heads"], 0, cfg["head_dim"])
    return [(torch.zeros(shape), torch.zeros(shape)) for _ in range(cfg["num_hidden_layers"])]


# --------------------------------------------------------------------------------------------
# Encoder classifier
# --------------------------------------------------------------------------------------------

ENCODER_DEFAULTS = {
    "model_type": "loom_encoder",
    "architectures": ["LoomEncoderForSequenceClassification"],
    "max_position_embeddings": 128,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "hidden_dropout_prob": 0.0,
    "layer_norm_eps": 1e-5,
    "pooling": "mean",
    "torch_dtype": "float32",
}


def encoder_config(labels, **overrides):
    """labels: list of names, index = class id. Adds HF's id2label / label2id."""
    cfg = {**ENCODER_DEFAULTS, **overrides}
    cfg["id2label"] = {str(i): name for i, name in enumerate(labels)}
    cfg["label2id"] = {name: i for i, name in enumerate(labels)}
    cfg["num_labels"] = len(labels)
    return cfg


class EncoderClassifier(nn.Module):
    """Token + learned position embeddings → pre-norm Transformer encoder → mean over real tokens
    → linear head. Export it with grad enabled: under no_grad in eval mode torch 1.13 takes a
    fused fast path (`aten::_transformer_encoder_layer_fwd`) that has no ONNX symbolic."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        d = cfg["hidden_size"]
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], d)
        self.embed_positions = nn.Embedding(cfg["max_position_embeddings"], d)
        layer = nn.TransformerEncoderLayer(
            d, cfg["num_attention_heads"], cfg["intermediate_size"], dropout=cfg["hidden_dropout_prob"],
            activation="gelu", layer_norm_eps=cfg["layer_norm_eps"], batch_first=True, norm_first=True,
        )
        # enable_nested_tensor=False: nested tensors are another fast path the exporter cannot trace.
        self.encoder = nn.TransformerEncoder(layer, cfg["num_hidden_layers"], enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.classifier = nn.Linear(d, cfg["num_labels"])

    def forward(self, input_ids, attention_mask=None):
        B, S = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        pos = torch.arange(S, device=input_ids.device)
        x = self.embed_tokens(input_ids) + self.embed_positions(pos)[None]
        # Padding goes in as a float additive mask per (batch·head, query, key) through `mask`,
        # not as `src_key_padding_mask`: PyTorch turns a key-padding mask into -inf (NaN for an
        # all-padding row), and passing `mask` also keeps eval-mode PyTorch off the fused fast
        # path, so golden logits come from the same math the ONNX graph runs.
        keep = attention_mask.to(x.dtype)
        H = self.config["num_attention_heads"]
        add = ((1.0 - keep) * MASK_VALUE)[:, None, None, :].expand(B, H, S, S).reshape(B * H, S, S)
        x = self.encoder(x, mask=add)
        x = self.norm(x)
        pooled = (x * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1.0)
        return self.classifier(pooled)
