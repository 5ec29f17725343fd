"""Regenerate the decoder-family fixtures (deterministic; ~20 s on 2 cores):

    server/inference/__fixtures__/families/<family>/   for llama mistral qwen2 phi3 gemma2 gpt2 gemma

    /usr/bin/python3 training/make_family_fixtures.py [--out server/inference/__fixtures__/families]

Each folder is a tiny random-weight model written the way users download them (the Hugging Face /
Optimum ONNX layout): config.json with the HF config class's keys, generation_config.json,
tokenizer.json + tokenizer_config.json (a small byte-level BPE trained here, the family's own
special tokens and chat-template style), onnx/model.onnx with Optimum's decoder I/O names
(input_ids, attention_mask, position_ids, past_key_values.N.key/value → logits, present.N.key/value),
and golden.json: PyTorch's logits (training/families.py) for a prefill and cached greedy steps.

Layouts and variants, spread over the families so every one is covered once:

| folder  | onnx/ files                                                                           |
| ------- | ------------------------------------------------------------------------------------- |
| llama   | model.onnx + model.onnx_data (external data), model_fp16.onnx, model_int8.onnx, model_q4.onnx |
| mistral | model.onnx + model.onnx_data + model.onnx_data_1 (external data in two files)          |
| qwen2   | model.onnx, model_quantized.onnx (transformers.js's name for the int8 file)            |
| phi3    | model.onnx, model_q4.onnx                                                              |
| gemma2  | model.onnx, model_fp16.onnx                                                            |
| gemma   | model.onnx                                                                             |
| gpt2    | model.onnx                                                                             |

Variants are rewritten from the fp32 graph with onnx.helper (no onnxruntime or onnxconverter here):
* fp16: weights stored float16 (a Cast to float32 after each), and the graph's I/O in float16 as
  fp16 exports have it (past_key_values.* in, present.* and logits out), so the engine's float16
  cache path runs; arithmetic stays float32 so onnxruntime's CPU provider has a kernel for every op.
* int8 (model_int8 / model_quantized): dynamic quantisation as onnxruntime's quantize_dynamic
  writes it: DynamicQuantizeLinear on the activation, MatMulInteger with int8 weights (one scale
  per output column), Cast and two Muls back to float.
* q4: every MatMul with a constant weight becomes com.microsoft.MatMulNBits (bits 4, block 16,
  symmetric: no zero_points input, so the default 8 applies), weights packed two to a byte, low
  nibble first.
The engine's tests (server/inference/families.test.ts) state and check each variant's bound
against the fp32 golden logits, and hold int8 and q4 to 1e-4 of golden.json's
"quantized_references": PyTorch computing as those graphs should (q4_reference, int8_reference).
"""

import argparse
import copy
import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import set_external_data, write_external_data_tensors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import build_model, empty_past, family_config, init_random, kv_shape  # noqa: E402
from make_fixtures import CORPUS  # noqa: E402
from tokenizer import ByteLevelBPE, tokenizer_config, train_bpe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 14
MIN_MARGIN = 2e-2
N_STEPS = 8
VOCAB = 320

# Chat templates in each family's style (written for these fixtures from the published formats).
TEMPLATES = {
    "llama": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
        "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'system' %}"
        "{{ '<<SYS>>\\n' + message['content'] + '\\n<</SYS>>\\n\\n' }}{% else %}"
        "{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}"
    ),
    "mistral": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
        "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}"
        "{% endif %}{% endfor %}"
    ),
    "qwen2": (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    "phi3": (
        "{% for message in messages %}{% if message['role'] == 'system' %}{{ '<|system|>\\n' + message['content'] + '<|end|>\\n' }}"
        "{% elif message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '<|end|>\\n' }}"
        "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + message['content'] + '<|end|>\\n' }}"
        "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}"
    ),
    "gemma": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}{% set role = 'model' %}"
        "{% else %}{% set role = message['role'] %}{% endif %}"
        "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
    ),
    "gemma2": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}{% set role = 'model' %}"
        "{% else %}{% set role = message['role'] %}{% endif %}"
        "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
    ),
    "gpt2": None,  # GPT-2 ships no chat template: Loom joins the messages as plain text
}
# (specials in id order, bos, eos, pad, extra eos ids for generation_config)
SPECIALS = {
    "llama": (["<unk>", "<s>", "</s>"], "<s>", "</s>", None, []),
    "mistral": (["<unk>", "<s>", "</s>"], "<s>", "</s>", None, []),
    "qwen2": (["<|endoftext|>", "<|im_start|>", "<|im_end|>"], None, "<|endoftext|>", "<|endoftext|>", ["<|im_end|>"]),
    "phi3": (["<unk>", "<s>", "</s>", "<|endoftext|>", "<|assistant|>", "<|end|>", "<|system|>", "<|user|>"],
             "<s>", "<|endoftext|>", "<|endoftext|>", ["<|end|>"]),
    "gemma": (["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"], "<bos>", "<eos>", "<pad>",
              ["<end_of_turn>"]),
    "gemma2": (["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"], "<bos>", "<eos>", "<pad>",
               ["<end_of_turn>"]),
    "gpt2": (["<|endoftext|>"], "<|endoftext|>", "<|endoftext|>", None, []),
}
LAYOUTS = {
    "llama": {"external": ["model.onnx_data"], "variants": ["fp16", "int8", "q4"]},
    "mistral": {"external": ["model.onnx_data", "model.onnx_data_1"], "variants": []},
    "qwen2": {"external": [], "variants": ["quantized"]},
    "phi3": {"external": [], "variants": ["q4"]},
    "gemma2": {"external": [], "variants": ["fp16"]},
    "gpt2": {"external": [], "variants": []},
    "gemma": {"external": [], "variants": []},  # last: the seeds of the others depend on their index
}
PROMPTS = ["Once upon a time, the loom", "def add(a, b):", "你好，世界"]


def build_tokenizer(specials):
    vocab, merges = train_bpe([line for line in CORPUS.split("\n")], VOCAB, special_tokens=specials)
    return ByteLevelBPE(vocab, merges, specials)


class _DecoderIO(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past):
        pkv = [(past[i], past[i + 1]) for i in range(0, len(past), 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, pkv)
        return (logits, *[t for kv in presents for t in kv])


def export(model, path):
    """Optimum's decoder I/O, traced with distinct batch/seq/past sizes so no two axes merge."""
    layers, kvh, hd = kv_shape(model.config)
    B, S, P = 2, 3, 4
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config["vocab_size"], (B, S), generator=g)
    mask = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S).expand(B, S).contiguous()
    past = [torch.zeros(B, kvh, P, hd) for _ in range(2 * layers)]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
        **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
    }
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_DecoderIO(model.eval()), (ids, mask, pos, *past), path,
                          input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                          output_names=["logits", *present_names], dynamic_axes=axes,
                          opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


# ---------------------------------------------------------------------------------------------
# Variants


def _weight_matmuls(graph):
    """(node, initializer) for every MatMul whose second input is a constant 2-D float matrix."""
    inits = {t.name: t for t in graph.initializer}
    for index, node in enumerate(graph.node):
        if node.op_type == "MatMul" and node.input[1] in inits:
            t = inits[node.input[1]]
            if t.data_type == TensorProto.FLOAT and len(t.dims) == 2:
                yield index, node, t


def _replace_nodes(graph, replacements):
    """replacements: node index → list of nodes put in its place (graph order kept)."""
    nodes = []
    for index, node in enumerate(graph.node):
        nodes.extend(replacements.get(index, [node]))
    del graph.node[:]
    graph.node.extend(nodes)


def _drop_unused_initializers(graph):
    used = {i for n in graph.node for i in n.input}
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)


def to_int8(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    repl = {}
    for index, node, t in list(_weight_matmuls(g)):
        w = numpy_helper.to_array(t).astype(np.float32)  # [K, N]
        scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0  # one per output column
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        base = node.name or node.output[0]
        names = {k: f"{base}/{k}" for k in ("Wq", "Ws", "Aq", "As", "Azp", "I", "F", "FA")}
        g.initializer.extend([numpy_helper.from_array(q, names["Wq"]),
                              numpy_helper.from_array(scale.astype(np.float32), names["Ws"])])
        repl[index] = [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]], [names["Aq"], names["As"], names["Azp"]],
                             name=f"{base}_quant"),
            helper.make_node("MatMulInteger", [names["Aq"], names["Wq"], names["Azp"]], [names["I"]],
                             name=f"{base}_MatMulInteger"),
            helper.make_node("Cast", [names["I"]], [names["F"]], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [names["F"], names["As"]], [names["FA"]], name=f"{base}_scale_a"),
            helper.make_node("Mul", [names["FA"], names["Ws"]], [node.output[0]], name=f"{base}_scale_w"),
        ]
    _replace_nodes(g, repl)
    _drop_unused_initializers(g)
    onnx.checker.check_model(m)
    return m


Q4_BLOCK = 16


def q4_quantize(w):
    """w [K, N] float32 → (packed uint8 [N, K/16, 8], scales float32 [N * K/16], dequantised [K, N]):
    MatMulNBits's layout, column n's block b at packed[n, b], element 2i in the low nibble."""
    K, N = w.shape
    assert K % Q4_BLOCK == 0, K
    blocks = K // Q4_BLOCK
    wb = w.T.reshape(N, blocks, Q4_BLOCK)  # column n, block b, element i
    scale = np.abs(wb).max(axis=2) / 7.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(wb / scale[:, :, None]) + 8, 0, 15).astype(np.uint8)
    packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)
    deq = ((q.astype(np.float32) - 8) * scale[:, :, None]).reshape(N, K).T
    return packed, scale.reshape(-1).astype(np.float32), np.ascontiguousarray(deq)


def to_q4(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    repl = {}
    for index, node, t in list(_weight_matmuls(g)):
        w = numpy_helper.to_array(t).astype(np.float32)  # [K, N]
        K, N = w.shape
        packed, scales, _ = q4_quantize(w)
        base = node.name or node.output[0]
        g.initializer.extend([numpy_helper.from_array(packed, f"{base}/B_q4"),
                              numpy_helper.from_array(scales, f"{base}/scales")])
        repl[index] = [helper.make_node("MatMulNBits", [node.input[0], f"{base}/B_q4", f"{base}/scales"],
                                        [node.output[0]], name=f"{base}_Q4", domain="com.microsoft",
                                        K=K, N=N, bits=4, block_size=Q4_BLOCK)]
    _replace_nodes(g, repl)
    _drop_unused_initializers(g)
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return m  # the checker does not know com.microsoft ops; onnxruntime checks it when loading


def q4_reference(model):
    """A copy of the PyTorch model with every matrix the q4 graph quantises replaced by its
    dequantised value (lm_head untied from the embedding: the graph quantises only the MatMul).
    Its logits are what a correct MatMulNBits graph computes, up to float summation order."""
    ref = copy.deepcopy(model)
    if ref.lm_head.weight is _embedding(ref).weight:
        ref.lm_head.weight = nn.Parameter(ref.lm_head.weight.detach().clone())
    with torch.no_grad():
        for mod in ref.modules():
            if isinstance(mod, nn.Linear):  # weight [N, K]: the graph's B is its transpose
                mod.weight.copy_(torch.from_numpy(q4_quantize(mod.weight.numpy().T.copy())[2].T.copy()))
            elif type(mod).__name__ == "Conv1D":  # weight [K, N] already
                mod.weight.copy_(torch.from_numpy(q4_quantize(mod.weight.numpy().copy())[2]))
    return ref.eval()


class _DynamicInt8Linear(nn.Module):
    """nn.Linear as the int8 graph computes it: DynamicQuantizeLinear on the input (uint8, one
    scale and zero point over the whole tensor, round half to even), int8 weights with one scale
    per output column, exact integer products, then both scales."""

    def __init__(self, linear):
        super().__init__()
        w = linear.weight.detach().numpy().T.astype(np.float32)  # [K, N], the graph's B
        scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
        self.wq = torch.from_numpy(np.clip(np.round(w / scale), -127, 127).astype(np.float64))
        self.ws = torch.from_numpy(scale.astype(np.float32))
        self.bias = None if linear.bias is None else linear.bias.detach().clone()

    def forward(self, x):
        lo = torch.clamp(x.min(), max=0.0)
        hi = torch.clamp(x.max(), min=0.0)
        scale = (hi - lo) / 255.0
        zp = torch.clamp(torch.round(-lo / scale), 0, 255)
        xq = torch.clamp(torch.round(x / scale) + zp, 0, 255)
        acc = torch.matmul((xq - zp).double(), self.wq)  # integers: exact in float64
        y = (acc.float() * scale) * self.ws
        return y if self.bias is None else y + self.bias


def int8_reference(model):
    """A copy of the PyTorch model whose Linear layers compute as the int8 graph's MatMuls do."""
    ref = copy.deepcopy(model)

    def swap(module):
        for name, child in module.named_children():
            if isinstance(child, nn.Linear):
                setattr(module, name, _DynamicInt8Linear(child))
            else:
                swap(child)

    swap(ref)
    return ref.eval()


def _embedding(model):
    return model.transformer.wte if model.family == "gpt2" else model.model.embed_tokens


def to_fp16(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    casts = []
    for t in list(g.initializer):
        if t.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(t)
        half = numpy_helper.from_array(arr.astype(np.float16), t.name + "_fp16")
        g.initializer.remove(t)
        g.initializer.append(half)
        casts.append(helper.make_node("Cast", [half.name], [t.name], to=TensorProto.FLOAT, name=t.name + "_to_fp32"))
    # Inputs: the graph takes float16, the body reads a float32 copy.
    for inp in g.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            inp.type.tensor_type.elem_type = TensorProto.FLOAT16
            inner = inp.name + "_fp32"
            for n in g.node:
                for i, name in enumerate(n.input):
                    if name == inp.name:
                        n.input[i] = inner
            casts.append(helper.make_node("Cast", [inp.name], [inner], to=TensorProto.FLOAT, name=inner))
    # Outputs: the body writes float32, a final Cast gives the float16 the graph returns.
    tail = []
    for out in g.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            out.type.tensor_type.elem_type = TensorProto.FLOAT16
            inner = out.name + "_fp32"
            for n in g.node:
                for i, name in enumerate(n.output):
                    if name == out.name:
                        n.output[i] = inner
                for i, name in enumerate(n.input):
                    if name == out.name:
                        n.input[i] = inner
            tail.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT16, name=out.name + "_to_fp16"))
    nodes = casts + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]
    onnx.checker.check_model(m)
    return m


VARIANT_FILES = {"fp16": "model_fp16.onnx", "int8": "model_int8.onnx", "quantized": "model_quantized.onnx",
                 "q4": "model_q4.onnx"}
VARIANT_BUILDERS = {"fp16": to_fp16, "int8": to_int8, "quantized": to_int8, "q4": to_q4}


def save_external(model, onnx_dir, locations):
    """model.onnx with its larger tensors in `locations`, dealt out in turn (as exporters split
    data past 2 GiB into several files); small ones stay inline."""
    for loc in locations:
        p = os.path.join(onnx_dir, loc)
        if os.path.exists(p):
            os.remove(p)  # write_external_data_tensors appends
    k = 0
    for t in model.graph.initializer:
        if t.HasField("raw_data") and len(t.raw_data) >= 1024:
            set_external_data(t, locations[k % len(locations)])
            k += 1
    write_external_data_tensors(model, onnx_dir)
    onnx.save(model, os.path.join(onnx_dir, "model.onnx"))


# ---------------------------------------------------------------------------------------------


def _row(t):
    return [round(float(x), 6) for x in t]


def _margin(logits):
    top = torch.topk(logits, 2).values
    return float(top[0] - top[1])


@torch.no_grad()
def greedy(model, ids, steps):
    past = empty_past(model.config)
    x = torch.tensor([ids])
    logits, past = model(x, torch.ones_like(x), torch.arange(len(ids))[None], past)
    last = logits[0, -1]
    out, rows = [int(last.argmax())], []
    for i in range(steps):
        pos = len(ids) + i
        logits, past = model(torch.tensor([[out[-1]]]), torch.ones(1, pos + 1, dtype=torch.long),
                             torch.tensor([[pos]]), past)
        rows.append((out[-1], logits[0, -1]))
        out.append(int(logits[0, -1].argmax()))
    return last, rows, out


@torch.no_grad()
def teacher_forced(model, ids, fed):
    """Prefill `ids`, then feed the given ids one at a time: (prefill last logits, step logits)."""
    past = empty_past(model.config)
    x = torch.tensor([ids])
    logits, past = model(x, torch.ones_like(x), torch.arange(len(ids))[None], past)
    last, rows = logits[0, -1], []
    for i, tid in enumerate(fed):
        pos = len(ids) + i
        logits, past = model(torch.tensor([[tid]]), torch.ones(1, pos + 1, dtype=torch.long), torch.tensor([[pos]]), past)
        rows.append(logits[0, -1])
    return last, rows


def write_json(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def make_family(family, out_dir, seed):
    specials, bos, eos, pad, extra_eos = SPECIALS[family]
    tok = build_tokenizer(specials)
    v = tok.vocab
    cfg = family_config(family, len(v), v[bos] if bos else None, v[eos], v[pad] if pad else None)
    if family == "qwen2":
        cfg["bos_token_id"] = v["<|endoftext|>"]  # Qwen2's config names <|endoftext|> for both
    stops = {v[eos], *(v[s] for s in extra_eos)}
    prompts = [{"text": t, "ids": tok.encode(t)} for t in PROMPTS]
    for s in range(seed, seed + 200):
        g = torch.Generator().manual_seed(s)
        model = init_random(build_model(cfg), g).eval()
        runs = [greedy(model, p["ids"], N_STEPS) for p in prompts]
        margins = [_margin(last) for last, _, _ in runs] + [_margin(r) for _, rows, _ in runs for _, r in rows]
        outs = [o for _, _, o in runs]
        no_stop = not stops & {t for o in outs for t in o}
        # Tied embeddings favour repeating the last token; a few distinct tokens over all prompts will do.
        if min(margins) > MIN_MARGIN and len({t for o in outs for t in o}) > 4 and no_stop:
            break
    else:
        raise SystemExit(f"{family}: no seed gave clear greedy margins")

    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir)
    write_json(os.path.join(out_dir, "config.json"), cfg)
    max_pos = cfg.get("max_position_embeddings") or cfg["n_positions"]
    gen = {"bos_token_id": cfg["bos_token_id"], "eos_token_id": sorted(stops) if len(stops) > 1 else v[eos],
           "do_sample": False, "max_length": max_pos}
    if pad:
        gen["pad_token_id"] = v[pad]
    write_json(os.path.join(out_dir, "generation_config.json"), gen)
    tj = tok.to_json()
    if family == "gpt2":  # GPT-2's tokenizer.json: ByteLevel post-processor without a prefix space
        tj["post_processor"]["add_prefix_space"] = False
    tc = tokenizer_config(tj, bos, eos, max_pos, TEMPLATES[family], pad_token=pad,
                          unk_token="<unk>" if "<unk>" in specials else None,
                          add_bos_token=False)
    write_json(os.path.join(out_dir, "tokenizer.json"), tj)
    write_json(os.path.join(out_dir, "tokenizer_config.json"), tc)

    tmp = os.path.join(onnx_dir, "model.onnx")
    export(model, tmp)
    fp32 = onnx.load(tmp)
    layout = LAYOUTS[family]
    variants = {"fp32": "onnx/model.onnx"}
    for name in layout["variants"]:
        onnx.save(VARIANT_BUILDERS[name](fp32), os.path.join(onnx_dir, VARIANT_FILES[name]))
        variants[name] = f"onnx/{VARIANT_FILES[name]}"
    if layout["external"]:
        save_external(fp32, onnx_dir, layout["external"])

    last, rows, out = runs[0]
    references = {}
    if "q4" in layout["variants"]:
        ref_last, ref_rows = teacher_forced(q4_reference(model), prompts[0]["ids"], [tid for tid, _ in rows])
        references["q4"] = {"prefill": _row(ref_last), "steps": [_row(r) for r in ref_rows]}
    for name in ("int8", "quantized"):
        if name in layout["variants"]:
            ref_last, ref_rows = teacher_forced(int8_reference(model), prompts[0]["ids"], [tid for tid, _ in rows])
            references[name] = {"prefill": _row(ref_last), "steps": [_row(r) for r in ref_rows]}
    golden = {
        "description": f"PyTorch reference (training/families.py, {cfg['architectures'][0]}) for this folder; greedy, "
                       "batch 1, prefill with a zero-length past, then one token per step through the KV cache.",
        "family": family,
        "seed": s,
        "min_top2_margin": round(min(margins), 6),
        "variants": variants,
        "external_data": layout["external"],
        "prompt": prompts[0],
        "prefill": {"last_logits": _row(last), "next_token": out[0]},
        "steps": [{"input_id": tid, "position": len(prompts[0]["ids"]) + i, "logits": _row(r), "next_token": out[i + 1]}
                  for i, (tid, r) in enumerate(rows)],
        "prompts": [dict(p, greedy_ids=o) for p, (_, _, o) in zip(prompts, runs)],
        # Per quantised variant: the logits of the PyTorch model with the variant's dequantised
        # weights, fed the same ids as "steps" (checks the packing itself, to float precision).
        "quantized_references": references,
    }
    write_json(os.path.join(out_dir, "golden.json"), golden, compact=True)
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out_dir) for f in fs)
    print(f"{family}: seed {s}, margin {min(margins):.3f}, greedy {out}, {size // 1024} KiB, {sorted(variants)}")
    return model, golden


# ---------------------------------------------------------------------------------------------
# The onnxruntime-genai builder's layout


def make_genai(model, golden, family_dir, out_dir):
    """The llama fixture's weights in the layout onnxruntime-genai's model builder writes:
    genai_config.json (no config.json), model.onnx at the top with com.microsoft.GroupQueryAttention
    (rotary inside, from cos/sin caches), inputs input_ids + attention_mask + past_key_values.N.*,
    no position_ids. Same weights, so the llama golden logits apply unchanged."""
    cfg = model.config
    H, KV, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    L, V, E = cfg["num_hidden_layers"], cfg["vocab_size"], cfg["hidden_size"]
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, inputs, outputs, **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0] + "_" + op, **attrs))
        return outputs[0]

    def rms(x, weight, tag):
        sq = node("Mul", [x, x], [f"{tag}/sq"])
        mean = node("ReduceMean", [sq], [f"{tag}/mean"], axes=[-1], keepdims=1)
        var = node("Add", [mean, const(f"{tag}/eps", np.float32(cfg["rms_norm_eps"]))], [f"{tag}/var"])
        inv = node("Reciprocal", [node("Sqrt", [var], [f"{tag}/std"])], [f"{tag}/inv"])
        return node("Mul", [node("Mul", [x, inv], [f"{tag}/normed"]), const(f"{tag}/weight", weight)], [f"{tag}/out"])

    def linear(x, key, tag):
        return node("MatMul", [x, const(f"{key}.T", sd[key].T.copy())], [tag])

    # seqlens_k = valid tokens - 1 per row; total_sequence_length = the mask's length (both int32).
    mask_sum = node("ReduceSum", ["attention_mask", const("axes1", np.array([1], dtype=np.int64))], ["mask_sum"], keepdims=0)
    node("Cast", [node("Sub", [mask_sum, const("one", np.array(1, dtype=np.int64))], ["seqlens_i64"])], ["seqlens_k"],
         to=TensorProto.INT32)
    total = node("Gather", [node("Shape", ["attention_mask"], ["mask_shape"]), const("idx1", np.array(1, dtype=np.int64))],
                 ["total_i64"], axis=0)
    node("Cast", [total], ["total_seq_len"], to=TensorProto.INT32)
    inv_freq = 1.0 / (cfg["rope_theta"] ** (np.arange(0, D, 2, dtype=np.int64).astype(np.float32) / D))
    angles = np.arange(cfg["max_position_embeddings"], dtype=np.float32)[:, None] * inv_freq[None, :]
    const("cos_cache", np.cos(angles).astype(np.float32))
    const("sin_cache", np.sin(angles).astype(np.float32))

    x = node("Gather", [const("model.embed_tokens.weight", sd["model.embed_tokens.weight"]), "input_ids"], ["embeds"])
    for i in range(L):
        p = f"model.layers.{i}"
        h = rms(x, sd[f"{p}.input_layernorm.weight"], f"{p}/input_layernorm")
        q = linear(h, f"{p}.self_attn.q_proj.weight", f"{p}/q")
        k = linear(h, f"{p}.self_attn.k_proj.weight", f"{p}/k")
        v = linear(h, f"{p}.self_attn.v_proj.weight", f"{p}/v")
        nodes.append(helper.make_node(
            "GroupQueryAttention",
            [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", "seqlens_k", "total_seq_len",
             "cos_cache", "sin_cache"],
            [f"{p}/attn", f"present.{i}.key", f"present.{i}.value"],
            name=f"{p}/GroupQueryAttention", domain="com.microsoft",
            num_heads=H, kv_num_heads=KV, do_rotary=1, rotary_interleaved=0, scale=float(D ** -0.5)))
        x = node("Add", [x, linear(f"{p}/attn", f"{p}.self_attn.o_proj.weight", f"{p}/o")], [f"{p}/resid1"])
        h = rms(x, sd[f"{p}.post_attention_layernorm.weight"], f"{p}/post_attention_layernorm")
        gate = linear(h, f"{p}.mlp.gate_proj.weight", f"{p}/gate")
        silu = node("Mul", [gate, node("Sigmoid", [gate], [f"{p}/sig"])], [f"{p}/silu"])
        up = linear(h, f"{p}.mlp.up_proj.weight", f"{p}/up")
        down = linear(node("Mul", [silu, up], [f"{p}/gated"]), f"{p}.mlp.down_proj.weight", f"{p}/down")
        x = node("Add", [x, down], [f"{p}/resid2"])
    linear(rms(x, sd["model.norm.weight"], "model/norm"), "lm_head.weight", "logits")

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [helper.make_tensor_value_info("input_ids", i64, ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", i64, ["batch_size", "total_sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch_size", "sequence_length", V])]
    for i in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", f32,
                                                        ["batch_size", KV, "past_sequence_length", D]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f32,
                                                         ["batch_size", KV, "total_sequence_length", D]))
    graph = helper.make_graph(nodes, "main_graph", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
                          producer_name="onnxruntime-genai")
    m.ir_version = 8

    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    onnx.save(m, os.path.join(out_dir, "model.onnx"))
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(family_dir, f), os.path.join(out_dir, f))
    genai = {
        "model": {
            "bos_token_id": cfg["bos_token_id"], "context_length": cfg["max_position_embeddings"],
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": "model.onnx", "head_size": D, "hidden_size": E,
                "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask",
                           "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                "outputs": {"logits": "logits", "present_key_names": "present.%d.key",
                            "present_value_names": "present.%d.value"},
                "num_attention_heads": H, "num_hidden_layers": L, "num_key_value_heads": KV,
            },
            "eos_token_id": cfg["eos_token_id"], "pad_token_id": cfg["eos_token_id"], "type": "llama", "vocab_size": V,
        },
        "search": {"diversity_penalty": 0.0, "do_sample": False, "early_stopping": True, "length_penalty": 1.0,
                   "max_length": cfg["max_position_embeddings"], "min_length": 0, "no_repeat_ngram_size": 0,
                   "num_beams": 1, "num_return_sequences": 1, "past_present_share_buffer": False,
                   "repetition_penalty": 1.0, "temperature": 1.0, "top_k": 1, "top_p": 1.0},
    }
    write_json(os.path.join(out_dir, "genai_config.json"), genai)
    g = dict(golden, description="The llama fixture's golden logits (same weights, onnxruntime-genai layout).",
             variants={"fp32": "model.onnx"}, external_data=[], quantized_references={})
    write_json(os.path.join(out_dir, "golden.json"), g, compact=True)
    print(f"genai-llama: {os.path.getsize(os.path.join(out_dir, 'model.onnx')) // 1024} KiB")


def main():
    ap = argparse.ArgumentParser(description="Regenerate the decoder-family fixtures")
    ap.add_argument("--out", default=os.path.join(ROOT, "server", "inference", "__fixtures__", "families"))
    ap.add_argument("--genai-out", default=os.path.join(ROOT, "server", "inference", "__fixtures__", "genai-llama"))
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("families", nargs="*", default=list(LAYOUTS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    for family in args.families:
        # Each family its own seeds, so llama and mistral (same maths) get different weights.
        model, golden = make_family(family, os.path.join(args.out, family), args.seed + 1000 * list(LAYOUTS).index(family))
        if family == "llama":
            make_genai(model, golden, os.path.join(args.out, family), args.genai_out)


if __name__ == "__main__":
    main()
