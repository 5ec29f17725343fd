"""A ~5M-parameter random-weight LLaMA (4 layers, d 256, GQA 8/4 heads, 8k byte-level BPE, tied
embeddings) in Loom's model-folder layout, for bench/engine.ts; --size 30m gives ~28M (8 layers,
d 512, GQA 8/4), where a step is long enough to show what it does to the event loop. Generated on demand into a scratch
folder, never committed: its weights are random, only its size and shape matter for speed.

    /usr/bin/python3 bench/make_bench_model.py --out .tmp/bench/llama-5m [--text alpaca_5000.json]

The tokenizer is trained on --text (a JSON list of {instruction, input, output} records, or plain
text) when given, else on training/make_fixtures.py's small corpus (then the vocabulary is smaller).
"""

import argparse
import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))
from export_onnx import save_decoder_folder  # noqa: E402
from make_fixtures import CORPUS  # noqa: E402
from model import LlamaForCausalLM, llama_config  # noqa: E402
from tokenizer import CHATML_TEMPLATE, ByteLevelBPE, tokenizer_config, train_bpe  # noqa: E402


SIZES = {
    "5m": dict(hidden_size=256, intermediate_size=688, num_hidden_layers=4),
    "30m": dict(hidden_size=512, intermediate_size=1376, num_hidden_layers=8),
}


def texts_from(path):
    if path is None:
        return [line for line in CORPUS.split("\n")]
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    try:
        records = json.loads(raw)
        return [" ".join(str(r.get(k, "")) for k in ("instruction", "input", "output")) for r in records]
    except (json.JSONDecodeError, AttributeError):
        return raw.split("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--text", default=None)
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", choices=sorted(SIZES), default="5m")
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    vocab, merges = train_bpe(texts_from(args.text), args.vocab_size)
    tok = ByteLevelBPE(vocab, merges)
    cfg = llama_config(
        vocab_size=len(tok.vocab), **SIZES[args.size],
        num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=1024,
        tie_word_embeddings=True, bos_token_id=tok.vocab["<|endoftext|>"],
        eos_token_id=tok.vocab["<|im_end|>"], pad_token_id=tok.vocab["<|endoftext|>"],
    )
    g = torch.Generator().manual_seed(args.seed)
    model = LlamaForCausalLM(cfg).init_weights(std=0.05, generator=g).eval()
    tj = tok.to_json()
    tc = tokenizer_config(tj, "<|endoftext|>", "<|im_end|>", cfg["max_position_embeddings"], CHATML_TEMPLATE,
                          pad_token="<|endoftext|>")
    save_decoder_folder(model, args.out, tj, tc, generation_config={"eos_token_id": [cfg["eos_token_id"]]})
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: {params / 1e6:.1f}M parameters, vocabulary {len(tok.vocab)}")


if __name__ == "__main__":
    main()
