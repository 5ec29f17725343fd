"""Load an installed model folder back into model.py's LlamaForCausalLM, for fine-tuning.

Sources, in order of preference:

* `model.safetensors` / `pytorch_model.bin` with Hugging Face LLaMA names (what `transformers`
  writes; model.py uses the same names), read without the `safetensors` package;
* `onnx/model.onnx` as export_onnx.py writes it: norms and embeddings keep their parameter names
  (prefixed `model.` by the export wrapper), while every linear layer becomes an anonymous,
  transposed MatMul initializer (`onnx::MatMul_761`) that is found through its node's name
  (`/model/layers.0/self_attn/q_proj/MatMul`). A tied lm_head is folded into its own initializer
  by the export and is taken from the embedding again.

Anything else (an encoder, a quantised graph, another architecture, a tokenizer the Python
encoder cannot reproduce) raises `Unsupported`, which the CLI turns into exit code 2.
"""

import json
import os
import re
import struct

import numpy as np
import torch

try:
    from .model import LlamaForCausalLM
except ImportError:  # run as a script from training/
    from model import LlamaForCausalLM


class Unsupported(Exception):
    """A base folder the recipe cannot continue training; the message says why."""


# Loom's export: the linear layer's path in the node name → its parameter name.
_LINEAR_NODE = re.compile(r"^/model/((?:layers\.\d+/(?:self_attn|mlp)/[a-z_]+)|lm_head)/(MatMul|Add)$")
_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_config(cfg):
    """Only what model.py implements: a LLaMA decoder with its config fields."""
    if cfg.get("model_type") != "llama":
        raise Unsupported(f"model_type is {cfg.get('model_type')!r}: only LLaMA-architecture decoders can be fine-tuned")
    if cfg.get("rope_scaling"):
        raise Unsupported("rope_scaling is set: model.py implements plain rotary embeddings only")
    if cfg.get("hidden_act", "silu") != "silu":
        raise Unsupported(f"hidden_act {cfg.get('hidden_act')!r}: model.py implements SiLU only")
    for key in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"):
        if not isinstance(cfg.get(key), int):
            raise Unsupported(f"config.json has no integer {key}")
    cfg = dict(cfg)
    cfg.setdefault("num_key_value_heads", cfg["num_attention_heads"])
    cfg.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    for key, default in (("rms_norm_eps", 1e-6), ("rope_theta", 10000.0), ("tie_word_embeddings", False),
                         ("attention_bias", False), ("mlp_bias", False), ("max_position_embeddings", 2048)):
        cfg.setdefault(key, default)
    return cfg


def read_safetensors(path):
    """{name: tensor} from a .safetensors file (8-byte header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise Unsupported(f"{os.path.basename(path)}: tensor {name} is {info['dtype']} (F32/F16/F64 only)")
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=dtype).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def onnx_state_dict(path):
    """HF parameter names → tensors, recovered from an export_onnx.py graph."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(path).graph
    ops = {n.op_type for n in graph.node}
    if ops & {"MatMulInteger", "DynamicQuantizeLinear", "QLinearMatMul", "MatMulNBits"}:
        raise Unsupported("the ONNX graph is quantised: fine-tune from the fp32 export (or safetensors weights)")
    inits = {t.name: t for t in graph.initializer}
    # The exporter keeps one copy of identical initializers (all-ones norms of a fresh model) and
    # names the others through Identity nodes.
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            inits.setdefault(node.output[0], inits[node.input[0]])
    sd = {}
    for name, t in inits.items():
        if name.startswith("model.model.") or name.startswith("model.lm_head."):
            sd[name[len("model."):]] = torch.from_numpy(numpy_helper.to_array(t).astype(np.float32).copy())
    for node in graph.node:
        m = _LINEAR_NODE.match(node.name)
        if not m:
            continue
        weights = [i for i in node.input if i in inits]
        if len(weights) != 1:
            continue
        module = m.group(1).replace("/", ".")
        module = module if module == "lm_head" else f"model.{module}"
        arr = numpy_helper.to_array(inits[weights[0]]).astype(np.float32)
        if m.group(2) == "MatMul":  # x @ W.T was exported as x @ (W.T): transpose back
            sd[f"{module}.weight"] = torch.from_numpy(arr.T.copy())
        else:
            sd[f"{module}.bias"] = torch.from_numpy(arr.copy())
    if not any(k.endswith("q_proj.weight") for k in sd):
        raise Unsupported(f"{path} is not a graph training/export_onnx.py wrote (no named q_proj MatMul nodes)")
    return sd


def check_tokenizer(folder):
    """The recipe's encoder (tokenizer.ByteLevelBPE) and chat template (ChatML) must match the folder's."""
    tok_json = read_json(os.path.join(folder, "tokenizer.json"))
    tok_config = read_json(os.path.join(folder, "tokenizer_config.json"))
    model = tok_json.get("model", {})
    if model.get("type") != "BPE" or (tok_json.get("pre_tokenizer") or {}).get("type") != "ByteLevel":
        raise Unsupported("tokenizer.json is not a byte-level BPE: the recipe's encoder would not match the engine's")
    specials = {t["content"] for t in tok_json.get("added_tokens", []) if t.get("special")}
    if not {"<|im_start|>", "<|im_end|>"} <= specials:
        raise Unsupported("the tokenizer has no ChatML tokens (<|im_start|>, <|im_end|>): the chat template is not ChatML")
    return tok_json, tok_config


def load_base(folder):
    """(model, config, tok_json, tok_config, weights_source) for an installed folder, or Unsupported."""
    if not os.path.isfile(os.path.join(folder, "config.json")):
        raise Unsupported(f"{folder} has no config.json: not a model folder")
    cfg = check_config(read_json(os.path.join(folder, "config.json")))
    tok_json, tok_config = check_tokenizer(folder)
    st, pt, ox = (os.path.join(folder, p) for p in ("model.safetensors", "pytorch_model.bin", "onnx/model.onnx"))
    if os.path.isfile(st):
        sd, source = read_safetensors(st), "model.safetensors"
    elif os.path.isfile(pt):
        sd, source = torch.load(pt, map_location="cpu"), "pytorch_model.bin"
    elif os.path.isfile(ox):
        sd, source = onnx_state_dict(ox), "onnx/model.onnx"
    else:
        raise Unsupported(f"{folder} has no weights the recipe reads (model.safetensors, pytorch_model.bin, onnx/model.onnx)")
    model = LlamaForCausalLM(cfg)
    if cfg["tie_word_embeddings"]:
        sd.pop("lm_head.weight", None)  # model.py ties it to the embedding; the export's copy is identical
    sd = {k: v for k, v in sd.items() if not k.endswith("rotary_emb.inv_freq")}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not (cfg["tie_word_embeddings"] and k == "lm_head.weight")]
    if missing or unexpected:
        raise Unsupported(f"{source}: the weights do not fit config.json (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model, cfg, tok_json, tok_config, source
