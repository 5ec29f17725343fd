"""ONNX vs PyTorch: the exported graph run in onnxruntime-node (Python's onnxruntime is not
installed here, and the engine runs this runtime) on the inputs PyTorch scored, for evaluate.py.
Both checks answer {"skipped": why} when node or onnxruntime-node is missing or fails.
"""

import json
import os
import shutil
import subprocess
import tempfile

import torch

from data import read_jsonl
from formats import EOT, encode_sentiment, pad_batch
from model import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORT_DIR = os.path.join(ROOT, "node_modules", "onnxruntime-node")

# A few prompts and texts for the logit comparison (onnx_check's `texts`).
ONNX_PROMPTS = [
    "<|im_start|>system\nTranslate from English to Chinese.<|im_end|>\n<|im_start|>user\nI like tea.<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nTranslate from German to English.<|im_end|>\n<|im_start|>user\nIch habe Hunger.<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are Loom, a small helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nComplete the code. Reply with the next lines only.<|im_end|>\n<|im_start|>user\ndef add(a, b):<|im_end|>\n<|im_start|>assistant\n",
]
SENTIMENT_TEXTS = ["I really loved this film, it was wonderful!", "The food was cold and terrible.", "not bad at all", "a waste of time"]

NODE_CHECK = r"""
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
const [model, inPath, outPath] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(inPath, 'utf8'));
const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
const out = [];
for (const c of spec.cases) {
  const B = c.ids.length, S = c.ids[0].length;
  const big = (a) => BigInt64Array.from(a.flat().map(BigInt));
  const feeds = { input_ids: new ort.Tensor('int64', big(c.ids), [B, S]),
                  attention_mask: new ort.Tensor('int64', big(c.mask), [B, S]) };
  if (spec.decoder) {
    feeds.position_ids = new ort.Tensor('int64', big(c.pos), [B, S]);
    for (let i = 0; i < spec.layers; i++) for (const kv of ['key', 'value'])
      feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, spec.kv_heads, 0, spec.head_dim]);
  }
  const r = await s.run(feeds);
  out.push({ dims: r.logits.dims, data: Array.from(r.logits.data) });
}
fs.writeFileSync(outPath, JSON.stringify(out));
"""


def _node():
    """The node binary, or None when node or onnxruntime-node is not installed."""
    node = shutil.which("node")
    return node if node and os.path.isdir(ORT_DIR) else None


def _run_in_node(node, model_dir, spec, timeout):
    """Run spec["cases"] through model_dir's onnx/model.onnx in onnxruntime-node. Returns
    (one {"dims", "data"} logits per case, None), or (None, {"skipped": why})."""
    onnx_path = os.path.join(model_dir, "onnx", "model.onnx")
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "training", "runs")) as td:
        script = os.path.join(td, "check.mjs")
        # resolve onnxruntime-node from the project root
        with open(script, "w") as f:
            f.write(NODE_CHECK.replace("'onnxruntime-node'", json.dumps(os.path.join(ORT_DIR, "dist", "index.js"))))
        inp, outp = os.path.join(td, "in.json"), os.path.join(td, "out.json")
        with open(inp, "w") as f:
            json.dump(spec, f)
        r = subprocess.run([node, script, onnx_path, inp, outp], capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            return None, {"skipped": "onnxruntime-node failed: " + r.stderr[-500:]}
        with open(outp) as f:
            return json.load(f), None


def onnx_check(model, model_dir, tok, texts):
    """Run the exported graph in onnxruntime-node on `texts` (one batch, padded) and compare
    logits with PyTorch. Returns a dict, or {"skipped": why}."""
    node = _node()
    if not node:
        return {"skipped": "node or onnxruntime-node not installed"}
    is_dec = isinstance(model, LlamaForCausalLM)
    encs = [tok.encode(t) for t in texts]
    L = max(len(e) for e in encs)
    ids = torch.zeros(len(encs), L, dtype=torch.long)
    mask = torch.zeros(len(encs), L, dtype=torch.long)
    for j, e in enumerate(encs):
        if is_dec:  # left padding, as the engine batches
            ids[j, L - len(e):], mask[j, L - len(e):] = torch.tensor(e), 1
        else:
            ids[j, :len(e)], mask[j, :len(e)] = torch.tensor(e), 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    with torch.no_grad():
        ref = model(ids, mask, pos)[0] if is_dec else model(ids, mask)
    spec = {"decoder": is_dec, "cases": [{"ids": ids.tolist(), "mask": mask.tolist(), "pos": pos.tolist()}]}
    if is_dec:
        c = model.config
        spec.update(layers=c["num_hidden_layers"], kv_heads=c["num_key_value_heads"], head_dim=c["head_dim"])
    got, skipped = _run_in_node(node, model_dir, spec, timeout=300)
    if skipped:
        return skipped
    onnx_logits = torch.tensor(got[0]["data"]).reshape(got[0]["dims"])
    if is_dec:
        m = mask.bool()
        diff = (onnx_logits - ref).abs()[m]
        agree = (onnx_logits.argmax(-1) == ref.argmax(-1))[m].float().mean()
    else:
        diff = (onnx_logits - ref).abs()
        agree = (onnx_logits.argmax(-1) == ref.argmax(-1)).float().mean()
    return {"runtime": "onnxruntime-node", "cases": len(texts), "max_abs_logit_diff": float(diff.max()),
            "argmax_agreement": float(agree)}


def onnx_sentiment_accuracy(model, model_dir, tok, data_dir, n=None):
    """Sentiment accuracy computed from the ONNX graph's logits (onnxruntime-node) on n val rows."""
    rows = read_jsonl(os.path.join(data_dir, "sentiment.val.jsonl"))[:n]
    node = _node()
    if not node:
        return {"skipped": "node or onnxruntime-node not installed"}
    items = encode_sentiment(tok, rows, model.config["max_position_embeddings"])
    cases = []
    for i in range(0, len(items), 128):
        ids, mask, _ = pad_batch(items[i:i + 128], tok.vocab[EOT])
        cases.append({"ids": ids.tolist(), "mask": mask.tolist()})
    got, skipped = _run_in_node(node, model_dir, {"decoder": False, "cases": cases}, timeout=600)
    if skipped:
        return skipped
    preds = []
    for g in got:
        preds += torch.tensor(g["data"]).reshape(g["dims"]).argmax(-1).tolist()
    acc = sum(int(p == y) for p, (_, y, _) in zip(preds, items)) / len(items)
    with torch.no_grad():
        tpreds = []
        for i in range(0, len(items), 256):
            ids, mask, _ = pad_batch(items[i:i + 256], tok.vocab[EOT])
            tpreds += model(ids, mask).argmax(-1).tolist()
    return {"n": len(items), "accuracy": acc, "pytorch_accuracy": sum(int(p == y) for p, (_, y, _) in zip(tpreds, items)) / len(items),
            "prediction_agreement": sum(int(a == b) for a, b in zip(preds, tpreds)) / len(items)}
