"""Write a model folder in the Hugging Face / Optimum ONNX layout that Loom (and transformers.js)
loads:

    config.json  generation_config.json  tokenizer.json  tokenizer_config.json  onnx/model.onnx

Decoder graph (what `optimum-cli export onnx --task text-generation-with-past` produces):
    inputs   input_ids [batch, seq] int64, attention_mask [batch, past+seq] int64,
             position_ids [batch, seq] int64,
             past_key_values.{i}.key / .value [batch, kv_heads, past, head_dim] float32
    outputs  logits [batch, seq, vocab], present.{i}.key / .value [batch, kv_heads, past+seq, head_dim]
The first step feeds zero-length past tensors. With kv_layout="appended" (CLI --kv-layout) the
decoder returns only the new positions instead, present_new.{i}.key / .value [batch, kv_heads, seq,
head_dim], and Loom keeps the cache itself (training/kv_layout.py, decision 032; transformers.js
and Optimum tools expect the default). Classifier graph: input_ids, attention_mask → logits.

Library use (training/make_fixtures.py, convert_llama2c.py, issue 4's training):
    save_decoder_folder(model, out_dir, tok_json, tok_config)
    save_classifier_folder(model, out_dir, tok_json, tok_config)
CLI: export a checkpoint saved as {"config": cfg, "state_dict": sd} by torch.save:
    /usr/bin/python3 training/export_onnx.py --checkpoint ckpt.pt --tokenizer DIR --out models/NAME
"""

import argparse
import json
import os
import warnings

import torch
import torch.nn as nn

try:
    from .model import EncoderClassifier, LlamaForCausalLM
except ImportError:  # run as a script from training/
    from model import EncoderClassifier, LlamaForCausalLM

OPSET = 14  # 14–17 export with torch 1.13 and run in onnxruntime-node 1.30


class _DecoderIO(nn.Module):
    """Flat positional I/O for the exporter: (ids, mask, positions, k0, v0, k1, v1, …)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past):
        pkv = [(past[i], past[i + 1]) for i in range(0, len(past), 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, pkv)
        return (logits, *[t for kv in presents for t in kv])


def export_decoder_onnx(model, path, opset=OPSET, kv_layout="present"):
    cfg = model.config
    n_layers, kvh, hd = cfg["num_hidden_layers"], cfg["num_key_value_heads"], cfg["head_dim"]
    # Trace with distinct batch/seq/past sizes (2, 3, 4) so no two axes get confused for one
    # another; every one is then declared dynamic.
    B, S, P = 2, 3, 4
    ids = torch.randint(0, cfg["vocab_size"], (B, S))
    mask = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S).expand(B, S).contiguous()
    past = [torch.zeros(B, kvh, P, hd) for _ in range(2 * n_layers)]

    past_names = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names})

    model.eval()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-derived Python ints
        torch.onnx.export(
            _DecoderIO(model), (ids, mask, pos, *past), path,
            input_names=["input_ids", "attention_mask", "position_ids", *past_names],
            output_names=["logits", *present_names],
            dynamic_axes=axes, opset_version=opset, do_constant_folding=True,
        )
    if kv_layout == "appended":
        try:
            from .kv_layout import convert_file
        except ImportError:
            from kv_layout import convert_file
        convert_file(path)
    elif kv_layout != "present":
        raise ValueError(f"kv_layout must be 'present' or 'appended', not {kv_layout!r}")
    _check(path)


def export_classifier_onnx(model, path, opset=OPSET):
    cfg = model.config
    ids = torch.randint(0, cfg["vocab_size"], (2, 5))
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    model.eval()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    # Grad enabled on purpose: in eval mode under no_grad torch 1.13 routes
    # nn.TransformerEncoderLayer through a fused kernel with no ONNX export.
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (ids, mask), path,
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "attention_mask": {0: "batch_size", 1: "sequence_length"},
                          "logits": {0: "batch_size"}},
            opset_version=opset, do_constant_folding=True,
        )
    _check(path)


def _check(path):
    import onnx

    onnx.checker.check_model(onnx.load(path))


def _write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def _write_tokenizer(out_dir, tok_json, tok_config):
    # Imported here so export_onnx stays usable without tokenizer.py's optional `regex`.
    try:
        from .tokenizer import save_tokenizer
    except ImportError:
        from tokenizer import save_tokenizer
    save_tokenizer(out_dir, tok_json, tok_config)


def save_decoder_folder(model, out_dir, tok_json, tok_config, generation_config=None, opset=OPSET,
                        kv_layout="present"):
    """config.json, generation_config.json, tokenizer files and onnx/model.onnx for a LlamaForCausalLM."""
    cfg = model.config
    os.makedirs(out_dir, exist_ok=True)
    _write_json(os.path.join(out_dir, "config.json"), cfg)
    gen = {"bos_token_id": cfg.get("bos_token_id"), "eos_token_id": cfg.get("eos_token_id"),
           "max_length": cfg["max_position_embeddings"], "do_sample": False}
    if cfg.get("pad_token_id") is not None:
        gen["pad_token_id"] = cfg["pad_token_id"]
    gen.update(generation_config or {})
    _write_json(os.path.join(out_dir, "generation_config.json"), gen)
    _write_tokenizer(out_dir, tok_json, tok_config)
    export_decoder_onnx(model, os.path.join(out_dir, "onnx", "model.onnx"), opset, kv_layout)


def save_classifier_folder(model, out_dir, tok_json, tok_config, opset=OPSET):
    """config.json (with id2label/label2id), tokenizer files and onnx/model.onnx for an EncoderClassifier."""
    os.makedirs(out_dir, exist_ok=True)
    _write_json(os.path.join(out_dir, "config.json"), model.config)
    _write_tokenizer(out_dir, tok_json, tok_config)
    export_classifier_onnx(model, os.path.join(out_dir, "onnx", "model.onnx"), opset)


def load_checkpoint(path):
    """{"config": cfg, "state_dict": sd} → the matching model, weights loaded, eval mode."""
    ckpt = torch.load(path, map_location="cpu")
    cfg = ckpt["config"]
    model = LlamaForCausalLM(cfg) if cfg.get("model_type") == "llama" else EncoderClassifier(cfg)
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help='torch.save({"config": cfg, "state_dict": sd})')
    ap.add_argument("--tokenizer", required=True, help="folder with tokenizer.json and tokenizer_config.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=OPSET)
    ap.add_argument("--kv-layout", choices=["present", "appended"], default="present",
                    help="decoder outputs: the whole cache (Optimum's present.*) or only the new positions")
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    model = load_checkpoint(args.checkpoint)
    with open(os.path.join(args.tokenizer, "tokenizer.json"), encoding="utf-8") as f:
        tok_json = json.load(f)
    with open(os.path.join(args.tokenizer, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_config = json.load(f)
    if isinstance(model, LlamaForCausalLM):
        save_decoder_folder(model, args.out, tok_json, tok_config, opset=args.opset, kv_layout=args.kv_layout)
    else:
        save_classifier_folder(model, args.out, tok_json, tok_config, opset=args.opset)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
