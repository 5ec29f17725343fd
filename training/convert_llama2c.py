"""Convert a llama2.c checkpoint (legacy "version 0" .bin) and its tokenizer .bin into a Loom /
Hugging Face model folder (config.json, generation_config.json, tokenizer.json,
tokenizer_config.json, onnx/model.onnx):

    /usr/bin/python3 training/convert_llama2c.py --bin stories260K.bin --tok tok512.bin --out DIR

llama2.c's checkpoint layout: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
vocab_size, seq_len; a negative vocab_size means the classifier is not shared with the token
embedding), then float32 tensors in this order: token_embedding, rms_att (all layers), wq, wk,
wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real, freq_cis_imag (skipped: we recompute
rotary angles), [wcls].

The tokenizer file: int32 max_token_length, then per token float32 score, int32 length, bytes.
It was exported from a SentencePiece BPE model with '▁' turned into ' ' and BOS/EOS written as
"\\n<s>\\n" / "\\n</s>\\n"; we undo both to rebuild the SentencePiece vocabulary.
"""

import argparse
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_onnx import save_decoder_folder  # noqa: E402
from model import LlamaForCausalLM, llama_config  # noqa: E402
from tokenizer import sentencepiece_bpe_json, tokenizer_config  # noqa: E402


def permute_rotary(w, n_heads):
    """Meta/llama2.c rotate adjacent pairs (2i, 2i+1) of each head; HF's rotate_half pairs i with
    i + head_dim/2. Reordering each head's q/k output rows [0,2,4,…,1,3,5,…] makes the two
    conventions compute the same attention scores (transformers' convert_llama_weights_to_hf)."""
    out_dim, in_dim = w.shape
    return w.view(n_heads, out_dim // n_heads // 2, 2, in_dim).transpose(1, 2).reshape(out_dim, in_dim)


def read_checkpoint(path):
    with open(path, "rb") as f:
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack("7i", f.read(28))
        data = np.frombuffer(f.read(), dtype=np.float32)
    shared = vocab > 0
    vocab = abs(vocab)
    head_dim = dim // n_heads
    kv_dim = n_kv * head_dim
    offset = 0

    def take(*shape):
        nonlocal offset
        n = int(np.prod(shape))
        t = torch.from_numpy(data[offset : offset + n].copy()).view(*shape)
        offset += n
        return t

    emb = take(vocab, dim)
    rms_att = take(n_layers, dim)
    wq, wk = take(n_layers, dim, dim), take(n_layers, kv_dim, dim)
    wv, wo = take(n_layers, kv_dim, dim), take(n_layers, dim, dim)
    rms_ffn = take(n_layers, dim)
    w1, w2, w3 = take(n_layers, hidden, dim), take(n_layers, dim, hidden), take(n_layers, hidden, dim)
    rms_final = take(dim)
    take(seq_len, head_dim // 2)  # freq_cis_real
    take(seq_len, head_dim // 2)  # freq_cis_imag
    wcls = emb if shared else take(vocab, dim)
    assert offset == data.size, f"{data.size - offset} unread floats: not a legacy llama2.c checkpoint?"

    cfg = dict(vocab_size=vocab, hidden_size=dim, intermediate_size=hidden, num_hidden_layers=n_layers,
               num_attention_heads=n_heads, num_key_value_heads=n_kv, max_position_embeddings=seq_len,
               rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=shared)
    sd = {"model.embed_tokens.weight": emb, "model.norm.weight": rms_final, "lm_head.weight": wcls}
    for i in range(n_layers):
        p = f"model.layers.{i}."
        sd[p + "input_layernorm.weight"] = rms_att[i]
        sd[p + "self_attn.q_proj.weight"] = permute_rotary(wq[i], n_heads)
        sd[p + "self_attn.k_proj.weight"] = permute_rotary(wk[i], n_kv)
        sd[p + "self_attn.v_proj.weight"] = wv[i]
        sd[p + "self_attn.o_proj.weight"] = wo[i]
        sd[p + "post_attention_layernorm.weight"] = rms_ffn[i]
        sd[p + "mlp.gate_proj.weight"] = w1[i]  # silu(w1 x) * (w3 x), then w2
        sd[p + "mlp.down_proj.weight"] = w2[i]
        sd[p + "mlp.up_proj.weight"] = w3[i]
    return cfg, sd


def read_tokenizer(path, vocab_size):
    pieces, scores = [], []
    with open(path, "rb") as f:
        struct.unpack("i", f.read(4))  # max_token_length
        for _ in range(vocab_size):
            score, n = struct.unpack("fi", f.read(8))
            pieces.append(f.read(n).decode("utf-8"))
            scores.append(score)
    pieces = [p.replace(" ", "▁") for p in pieces]
    pieces[1], pieces[2] = "<s>", "</s>"  # written as "\n<s>\n" / "\n</s>\n"
    assert pieces[0] == "<unk>", pieces[0]
    return pieces, scores


def convert(bin_path, tok_path, out_dir):
    cfg, sd = read_checkpoint(bin_path)
    cfg = llama_config(**cfg, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(cfg)
    model.load_state_dict(sd)
    pieces, scores = read_tokenizer(tok_path, cfg["vocab_size"])
    tj = sentencepiece_bpe_json(pieces, scores, unk_id=0, bos_id=1, eos_id=2)
    tc = tokenizer_config(tj, "<s>", "</s>", cfg["max_position_embeddings"], unk_token="<unk>", add_bos_token=True,
                          tokenizer_class="LlamaTokenizer")
    tc["legacy"] = True  # the tokenizer.json is the classic (legacy) Llama one
    # llama2.c's run.c ends a sample when the model emits BOS (stories are BOS-delimited in its
    # training data) and never sees EOS, so stop on either.
    save_decoder_folder(model.eval(), out_dir, tj, tc, generation_config={"eos_token_id": [2, 1]})
    return model


def main():
    ap = argparse.ArgumentParser(description="llama2.c checkpoint + tokenizer → HF/ONNX model folder")
    ap.add_argument("--bin", required=True, help="llama2.c legacy checkpoint, e.g. stories260K.bin")
    ap.add_argument("--tok", required=True, help="llama2.c tokenizer, e.g. tok512.bin")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    convert(args.bin, args.tok, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
