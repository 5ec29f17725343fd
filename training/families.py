"""Forward passes of the decoder families users bring, written from the Hugging Face classes:
module and parameter names (so `state_dict` keys and the ONNX initializer names read as HF's),
config.json keys, shapes and each family's quirks. Used by make_family_fixtures.py to build tiny
random-weight exports and their golden logits; no `transformers` package is needed.

| family  | HF class                 | what differs from plain LLaMA                                        |
| ------- | ------------------------ | -------------------------------------------------------------------- |
| llama   | LlamaForCausalLM         | (training/model.py's reference; grouped KV heads)                    |
| mistral | MistralForCausalLM       | config keys (sliding_window); same layer maths as LLaMA               |
| qwen2   | Qwen2ForCausalLM         | bias on q/k/v (not o_proj), tied embeddings                          |
| phi3    | Phi3ForCausalLM          | fused `qkv_proj` (q, k, v rows in that order), fused `gate_up_proj`  |
| gemma   | GemmaForCausalLM         | embeddings × sqrt(hidden), head_dim ≠ hidden/heads, (1+w) RMSNorm,   |
|         |                          | gelu(tanh) MLP, multi-query (1 KV head), tied embeddings              |
| gemma2  | Gemma2ForCausalLM        | embeddings × sqrt(hidden), head_dim ≠ hidden/heads, (1+w) RMSNorm,   |
|         |                          | sandwich norms, query_pre_attn_scalar, attention and final soft-caps, |
|         |                          | gelu(tanh) MLP, tied embeddings                                      |
| gpt2    | GPT2LMHeadModel          | learned positions (wpe), LayerNorm, Conv1D (weight [in, out]), fused |
|         |                          | c_attn, gelu_new, tied embeddings                                    |

All share one calling convention (Optimum's decoder I/O): forward(input_ids [B,S],
attention_mask [B,past+S], position_ids [B,S], past [(k, v)] each [B, kv_heads, past, head_dim])
→ (logits [B,S,V], presents). Attention is written out (torch 1.13 has no SDPA) with the mask
built from runtime shapes, as in model.py, so all axes stay dynamic in the export.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

GEMMA = ("gemma", "gemma2")
MASK_VALUE = -1e9  # finite: a fully padded row softmaxes to a uniform row, not NaN (model.py)


def _base(model_type, arch, **keys):
    return {"model_type": model_type, "architectures": [arch], "torch_dtype": "float32", "use_cache": True,
            "initializer_range": 0.02, **keys}


def family_config(family, vocab_size, bos, eos, pad=None):
    """A config.json for a tiny model of `family`, with the keys the HF config class writes.
    llama/mistral: 2 query heads over 1 KV head of 16 (GroupQueryAttention, which the genai
    fixture uses, needs head sizes that are multiples of 16)."""
    common = dict(vocab_size=vocab_size, bos_token_id=bos, eos_token_id=eos)
    if family in ("llama", "mistral"):
        cfg = _base(family, "LlamaForCausalLM" if family == "llama" else "MistralForCausalLM",
                    hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                    num_key_value_heads=1, head_dim=16, hidden_act="silu", max_position_embeddings=256,
                    rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=False,
                    attention_dropout=0.0, **common)
        if family == "llama":
            cfg.update(mlp_bias=False, pretraining_tp=1, rope_scaling=None)
        else:  # longer than max_position_embeddings: the window never cuts in at fixture lengths
            cfg.update(sliding_window=4096)
        return cfg
    if family == "qwen2":
        return _base("qwen2", "Qwen2ForCausalLM", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, hidden_act="silu", max_position_embeddings=256,
                     rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False,
                     sliding_window=4096, max_window_layers=2, attention_dropout=0.0, **common)
    if family == "phi3":
        return _base("phi3", "Phi3ForCausalLM", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=4, hidden_act="silu", max_position_embeddings=256,
                     original_max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None,
                     partial_rotary_factor=1.0, tie_word_embeddings=False, sliding_window=2047,
                     attention_dropout=0.0, embd_pdrop=0.0, resid_pdrop=0.0, pad_token_id=pad, **common)
    if family == "gemma":  # Gemma 1: Gemma 2's embedding scale, (1+w) norms and gelu, none of the rest
        return _base("gemma", "GemmaForCausalLM", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=1, head_dim=16, hidden_activation="gelu_pytorch_tanh",
                     hidden_act="gelu_pytorch_tanh", max_position_embeddings=256, rms_norm_eps=1e-6,
                     rope_theta=10000.0, attention_bias=False, attention_dropout=0.0, tie_word_embeddings=True,
                     pad_token_id=pad, **common)
    if family == "gemma2":
        return _base("gemma2", "Gemma2ForCausalLM", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16, hidden_activation="gelu_pytorch_tanh",
                     hidden_act="gelu_pytorch_tanh", max_position_embeddings=256, rms_norm_eps=1e-6,
                     rope_theta=10000.0, attention_bias=False, attention_dropout=0.0, query_pre_attn_scalar=16,
                     attn_logit_softcapping=50.0, final_logit_softcapping=30.0, sliding_window=4096,
                     cache_implementation="hybrid", tie_word_embeddings=True, pad_token_id=pad, **common)
    if family == "gpt2":
        return _base("gpt2", "GPT2LMHeadModel", n_embd=32, n_head=4, n_layer=2, n_positions=256, n_ctx=256,
                     n_inner=None, activation_function="gelu_new", layer_norm_epsilon=1e-5, resid_pdrop=0.0,
                     embd_pdrop=0.0, attn_pdrop=0.0, scale_attn_weights=True, tie_word_embeddings=True,
                     **common)
    raise ValueError(f"unknown family {family}")


# ---------------------------------------------------------------------------------------------
# Shared pieces


class RMSNorm(nn.Module):
    """LlamaRMSNorm (x·w) or, with plus_one, GemmaRMSNorm (x·(1+w), weight initialised to 0)."""

    def __init__(self, dim, eps, plus_one=False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim) if plus_one else torch.ones(dim))
        self.eps, self.plus_one = eps, plus_one

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * (1.0 + self.weight) if self.plus_one else y * self.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope(position_ids, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = position_ids[:, :, None].float() * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)[:, None]  # [B, 1, S, head_dim]
    return emb.cos(), emb.sin()


def build_mask(attention_mask, S):
    """[B, 1, S, T] bool, True = attend: causal on absolute positions plus the padding mask."""
    T = attention_mask.shape[1]
    q_pos = torch.arange(S) + (T - S)
    k_pos = torch.arange(T)
    causal = k_pos[None, :] <= q_pos[:, None]
    return causal[None, None] & attention_mask.bool()[:, None, None, :]


def attend(q, k, v, mask, scale, softcap=None):
    """q [B,H,S,D]; k, v [B,KV,T,D] (not repeated: HF's repeat_kv gives query head h kv head h // group)."""
    B, H, S, D = q.shape
    kv = k.shape[1]
    group = H // kv
    q = q.reshape(B, kv, group, S, D)
    att = torch.matmul(q, k.unsqueeze(2).transpose(-1, -2)) * scale
    if softcap is not None:
        att = torch.tanh(att / softcap) * softcap
    att = att.masked_fill(~mask[:, :, None], MASK_VALUE)
    att = F.softmax(att, dim=-1)
    y = torch.matmul(att, v.unsqueeze(2))  # [B, kv, group, S, D]
    return y.reshape(B, H, S, D).transpose(1, 2).reshape(B, S, H * D)


def gelu_tanh(x):  # gelu_new / gelu_pytorch_tanh, spelled out so the export is the same on every opset
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


# ---------------------------------------------------------------------------------------------
# LLaMA-style families (llama, mistral, qwen2, phi3, gemma2)


class LlamaStyleAttention(nn.Module):
    def __init__(self, cfg, family):
        super().__init__()
        d = cfg["hidden_size"]
        self.h, self.kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.d = cfg.get("head_dim") or d // self.h
        self.family = family
        if family == "phi3":  # Phi3Attention: one projection, rows q | k | v
            self.qkv_proj = nn.Linear(d, (self.h + 2 * self.kv) * self.d, bias=False)
        else:
            bias = family == "qwen2" or cfg.get("attention_bias", False)
            self.q_proj = nn.Linear(d, self.h * self.d, bias=bias)
            self.k_proj = nn.Linear(d, self.kv * self.d, bias=bias)
            self.v_proj = nn.Linear(d, self.kv * self.d, bias=bias)
        self.o_proj = nn.Linear(self.h * self.d, d, bias=cfg.get("attention_bias", False))
        if family == "gemma2":
            self.scale = cfg["query_pre_attn_scalar"] ** -0.5
            self.softcap = cfg["attn_logit_softcapping"]
        else:
            self.scale, self.softcap = self.d ** -0.5, None

    def forward(self, x, cos, sin, mask, past):
        B, S, _ = x.shape
        if self.family == "phi3":
            qkv = self.qkv_proj(x)
            q_end, k_end = self.h * self.d, (self.h + self.kv) * self.d
            q, k, v = qkv[..., :q_end], qkv[..., q_end:k_end], qkv[..., k_end:]
        else:
            q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        q = q.view(B, S, self.h, self.d).transpose(1, 2)
        k = k.view(B, S, self.kv, self.d).transpose(1, 2)
        v = v.view(B, S, self.kv, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        return self.o_proj(attend(q, k, v, mask, self.scale, self.softcap)), (k, v)


class LlamaStyleMLP(nn.Module):
    def __init__(self, cfg, family):
        super().__init__()
        d, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.family = family
        if family == "phi3":  # Phi3MLP: gate and up in one matrix, gate rows first
            self.gate_up_proj = nn.Linear(d, 2 * i, bias=False)
        else:
            self.gate_proj = nn.Linear(d, i, bias=False)
            self.up_proj = nn.Linear(d, i, bias=False)
        self.down_proj = nn.Linear(i, d, bias=False)
        self.act = gelu_tanh if family in GEMMA else F.silu

    def forward(self, x):
        if self.family == "phi3":
            gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        else:
            gate, up = self.gate_proj(x), self.up_proj(x)
        return self.down_proj(self.act(gate) * up)


class LlamaStyleLayer(nn.Module):
    def __init__(self, cfg, family):
        super().__init__()
        d, eps, g2 = cfg["hidden_size"], cfg["rms_norm_eps"], family == "gemma2"
        self.gemma2 = g2
        plus_one = family in GEMMA
        self.input_layernorm = RMSNorm(d, eps, plus_one)
        self.self_attn = LlamaStyleAttention(cfg, family)
        self.post_attention_layernorm = RMSNorm(d, eps, plus_one)
        if g2:  # Gemma2DecoderLayer's sandwich: norms before and after both blocks
            self.pre_feedforward_layernorm = RMSNorm(d, eps, True)
            self.post_feedforward_layernorm = RMSNorm(d, eps, True)
        self.mlp = LlamaStyleMLP(cfg, family)

    def forward(self, x, cos, sin, mask, past):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        if self.gemma2:
            x = x + self.post_attention_layernorm(a)
            x = x + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(x)))
        else:
            x = x + a
            x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class _Inner(nn.Module):
    pass


class LlamaStyleForCausalLM(nn.Module):
    """`model.embed_tokens`, `model.layers.N.…`, `model.norm`, `lm_head` (tied where the family ties)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.family = family = cfg["model_type"]
        self.head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        self.model = _Inner()
        self.model.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.model.layers = nn.ModuleList(LlamaStyleLayer(cfg, family) for _ in range(cfg["num_hidden_layers"]))
        self.model.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"], family in GEMMA)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        if cfg["tie_word_embeddings"]:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids, attention_mask, position_ids, past):
        S = input_ids.shape[1]
        cos, sin = rope(position_ids, self.head_dim, self.config["rope_theta"])
        mask = build_mask(attention_mask, S)
        x = self.model.embed_tokens(input_ids)
        if self.family in GEMMA:  # GemmaModel / Gemma2Model: normalizer = sqrt(hidden) in the hidden dtype
            x = x * torch.tensor(self.config["hidden_size"] ** 0.5, dtype=x.dtype)
        presents = []
        for i, layer in enumerate(self.model.layers):
            x, present = layer(x, cos, sin, mask, None if past is None else past[i])
            presents.append(present)
        logits = self.lm_head(self.model.norm(x))
        if self.family == "gemma2":
            cap = self.config["final_logit_softcapping"]
            logits = torch.tanh(logits / cap) * cap
        return logits, presents


# ---------------------------------------------------------------------------------------------
# GPT-2


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: a linear layer with its weight stored [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class GPT2Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        self.h, self.d = cfg["n_head"], d // cfg["n_head"]
        self.c_attn = Conv1D(3 * d, d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x, mask, past):
        B, S, D = x.shape
        q, k, v = self.c_attn(x).split(D, dim=2)
        q, k, v = (t.view(B, S, self.h, self.d).transpose(1, 2) for t in (q, k, v))
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        return self.c_proj(attend(q, k, v, mask, self.d ** -0.5)), (k, v)


class GPT2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        inner = cfg["n_inner"] or 4 * d
        self.c_fc = Conv1D(inner, d)
        self.c_proj = Conv1D(d, inner)

    def forward(self, x):
        return self.c_proj(gelu_tanh(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["n_embd"], cfg["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(cfg)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = GPT2MLP(cfg)

    def forward(self, x, mask, past):
        a, present = self.attn(self.ln_1(x), mask, past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), present


class GPT2LMHeadModel(nn.Module):
    """`transformer.wte/wpe/h.N.…/ln_f`, `lm_head` tied to wte. Positions come from position_ids
    (Optimum's gpt2 export takes them, and transformers.js feeds them from the attention mask)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.family = "gpt2"
        self.head_dim = cfg["n_embd"] // cfg["n_head"]
        self.transformer = _Inner()
        self.transformer.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.transformer.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.transformer.h = nn.ModuleList(GPT2Block(cfg) for _ in range(cfg["n_layer"]))
        self.transformer.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids, attention_mask, position_ids, past):
        S = input_ids.shape[1]
        mask = build_mask(attention_mask, S)
        x = self.transformer.wte(input_ids) + self.transformer.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.transformer.h):
            x, present = block(x, mask, None if past is None else past[i])
            presents.append(present)
        return self.lm_head(self.transformer.ln_f(x)), presents


# ---------------------------------------------------------------------------------------------


def build_model(cfg):
    return GPT2LMHeadModel(cfg) if cfg["model_type"] == "gpt2" else LlamaStyleForCausalLM(cfg)


def kv_shape(cfg):
    """(layers, kv_heads, head_dim) of the cache."""
    if cfg["model_type"] == "gpt2":
        return cfg["n_layer"], cfg["n_head"], cfg["n_embd"] // cfg["n_head"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    return cfg["num_hidden_layers"], cfg["num_key_value_heads"], head_dim


def init_random(model, generator, std=0.15):
    """Normal(0, std) matrices and biases; RMSNorm/LayerNorm weights near their identity (±0.1 noise,
    so a (1+w) norm and a w norm both get exercised), LayerNorm biases small."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator)
            if "norm" in name or ".ln_" in name or name.startswith("transformer.ln_f"):
                if name.endswith("bias"):
                    p.copy_(noise * 0.05)
                elif isinstance(_owner(model, name), RMSNorm) and _owner(model, name).plus_one:
                    p.copy_(noise * 0.1)
                else:
                    p.copy_(1.0 + noise * 0.1)
            else:
                p.copy_(noise * std)
    return model


def _owner(model, name):
    mod = model
    for part in name.split(".")[:-1]:
        mod = getattr(mod, part)
    return mod


def empty_past(cfg, batch=1):
    layers, kv, hd = kv_shape(cfg)
    return [(torch.zeros(batch, kv, 0, hd), torch.zeros(batch, kv, 0, hd)) for _ in range(layers)]
