"""Regenerate the committed test fixtures (deterministic; a few seconds on 2 cores):

    server/inference/__fixtures__/tiny-llama/       random-weight LLaMA (GQA, untied lm_head) + golden.json
    server/inference/__fixtures__/tiny-llama-appended/  the same graph in the appended KV layout (kv_layout.py)
    server/inference/__fixtures__/tiny-classifier/  random-weight encoder classifier + golden.json

    /usr/bin/python3 training/make_fixtures.py [--out server/inference/__fixtures__]

golden.json holds PyTorch's logits so the TypeScript engine can be checked against the reference
implementation: the prompt's last-position logits, then 20 greedy steps through the KV cache, each
with its full logits row. Weights are random, so the seed is chosen (and checked) such that every
greedy choice wins by a clear margin: tests compare argmax across implementations, and a near-tie
would flip on float noise.
"""

import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_onnx import save_classifier_folder, save_decoder_folder  # noqa: E402
from model import EncoderClassifier, LlamaForCausalLM, empty_past, encoder_config, llama_config  # noqa: E402
from tokenizer import CHATML_TEMPLATE, ByteLevelBPE, tokenizer_config, train_bpe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN_MARGIN = 1e-2
N_STEPS = 20

# A small mixed corpus (English, Chinese, code, chat markup) so the 512-token BPE has merges of
# every kind the engine will meet. Written for this file.
CORPUS = """
Once upon a time, in a small town by the river, there lived a weaver named Mira. Every morning she
opened the shutters, looked at the sky, and decided which colours the day would need. The children
of the town liked to sit on the steps of her shop and watch the loom go back and forth, back and forth.
"What are you making today?" asked a little boy. "A story," said Mira, "but you have to wait until
it is finished." The boy waited. He waited all afternoon, and when the sun went down the story was a
blanket, warm and bright, with a river and a town and a small boy sitting on the steps.
The weather today is sunny with a light wind from the west. Tomorrow there will be clouds in the
morning and rain in the evening. Please remember to bring an umbrella if you are going out.
Summary: the meeting was moved to Thursday at 10:30. The team agreed to ship the new version after
the tests pass, and to write the release notes together. Questions? Send them to the channel.
I really loved this film, the music was wonderful and the actors were great. It was a terrible
experience, the food was cold and the service was slow. Not bad, but not great either.
Translate to French: Good morning, how are you? Bonjour, comment allez-vous ?
Translate to German: The cat sleeps on the chair. Die Katze schläft auf dem Stuhl.
从前有一座山，山上有一座庙，庙里有一个老和尚在给小和尚讲故事。今天天气很好，我们去公园散步吧。
你好，我是一个小小的语言模型。我可以帮你总结文章、翻译句子，也可以写一点代码。谢谢你的耐心！
中文和英文混在一起的时候，模型也应该能够正确地处理每一个字。
def greet(name: str) -> str:
    \"\"\"Return a friendly greeting.\"\"\"
    return f"Hello, {name}!"

for i in range(10):
    if i % 2 == 0:
        print(greet(str(i)))

export function add(a: number, b: number): number {
  return a + b;
}

const result = await fetch("/api/chat", { method: "POST", body: JSON.stringify({ text }) });
if (!result.ok) throw new Error(`request failed: ${result.status}`);
<|im_start|>system
You are a helpful assistant.<|im_end|>
<|im_start|>user
Write a short poem about the sea.<|im_end|>
<|im_start|>assistant
The sea is wide, the sea is deep, it sings the sailors all to sleep.<|im_end|>
<|im_start|>user
Thank you! Now tell me a story about a cat.<|im_end|>
<|im_start|>assistant
Once upon a time there was a cat who wanted to see the sea.<|im_end|>
"""

LLAMA_PROMPTS = [
    "Once upon a time, the loom",
    "<|im_start|>user\nHello! 你好<|im_end|>\n<|im_start|>assistant\n",
    "def add(a, b):",
]
CLASSIFIER_TEXTS = ["I really loved this film, it was wonderful!", "The food was cold and terrible.", "还不错"]


def build_tokenizer(vocab_size=512):
    # Split on lines so the special-token markup in CORPUS is learned around, not across.
    texts = [line for line in CORPUS.split("\n")]
    vocab, merges = train_bpe(texts, vocab_size)
    tok = ByteLevelBPE(vocab, merges)
    assert len(tok.vocab) == vocab_size, len(tok.vocab)
    return tok


def _row(t):
    return [round(float(x), 6) for x in t]


def _margin(logits):
    top = torch.topk(logits, 2).values
    return float(top[0] - top[1])


@torch.no_grad()
def greedy(model, ids, steps):
    """Prefill with a zero-length past, then `steps` cached single-token steps.
    Returns (prefill last logits, list of (input id, logits) per step, generated ids)."""
    past = empty_past(model.config)
    x = torch.tensor([ids])
    logits, past = model(x, torch.ones_like(x), torch.arange(len(ids))[None], past)
    last = logits[0, -1]
    out, rows = [int(last.argmax())], []
    for i in range(steps):
        pos = len(ids) + i
        tok = torch.tensor([[out[-1]]])
        logits, past = model(tok, torch.ones(1, pos + 1, dtype=torch.long), torch.tensor([[pos]]), past)
        rows.append((out[-1], logits[0, -1]))
        out.append(int(logits[0, -1].argmax()))
    return last, rows, out


def make_llama(tok, out_dir, seed):
    vocab = tok.vocab
    cfg = llama_config(
        vocab_size=len(vocab), hidden_size=64, intermediate_size=176, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
        bos_token_id=vocab["<|endoftext|>"], eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|endoftext|>"],
    )
    prompts = [{"text": t, "ids": tok.encode(t)} for t in LLAMA_PROMPTS]
    for s in range(seed, seed + 100):
        g = torch.Generator().manual_seed(s)
        model = LlamaForCausalLM(cfg).init_weights(std=0.08, generator=g).eval()
        last, rows, out = greedy(model, prompts[0]["ids"], N_STEPS)
        margins = [_margin(last)] + [_margin(r) for _, r in rows]
        others = [greedy(model, p["ids"], 10) for p in prompts[1:]]
        for l2, r2, _ in others:
            margins += [_margin(l2)] + [_margin(r) for _, r in r2]
        stops = {cfg["eos_token_id"], cfg["bos_token_id"]}  # an early stop token would cut engine tests short
        no_stop = not stops & set(out + [t for _, _, o in others for t in o])
        if min(margins) > MIN_MARGIN and len(set(out)) > 3 and no_stop:
            break
        print(f"tiny-llama: seed {s} rejected (min top-2 margin {min(margins):.2e}, {len(set(out))} distinct tokens, no stop token: {no_stop})")
    else:
        raise SystemExit("no seed gave clear greedy margins")

    tj = tok.to_json()
    tc = tokenizer_config(tj, "<|endoftext|>", "<|im_end|>", cfg["max_position_embeddings"], CHATML_TEMPLATE,
                          pad_token="<|endoftext|>")
    save_decoder_folder(model, out_dir, tj, tc, generation_config={"eos_token_id": [cfg["eos_token_id"], cfg["bos_token_id"]]})

    golden = {
        "description": "PyTorch reference (training/model.py) for this folder's onnx/model.onnx; "
                       "greedy decoding, batch 1, prefill with zero-length past then one token per step through the KV cache.",
        "seed": s,
        "tolerance": 1e-4,
        "min_top2_margin": round(min(margins), 6),
        "prompt": prompts[0],
        "prefill": {"last_logits": _row(last), "next_token": out[0]},
        "steps": [
            {"input_id": tid, "position": len(prompts[0]["ids"]) + i, "logits": _row(r), "next_token": out[i + 1]}
            for i, (tid, r) in enumerate(rows)
        ],
        "greedy_ids": out,
        "prompts": [dict(p, greedy_ids=g[2]) for p, g in zip(prompts, [(None, None, out[:11])] + others)],
    }
    _dump(os.path.join(out_dir, "golden.json"), golden)
    print(f"tiny-llama: seed {s}, min margin {min(margins):.4f}, greedy {out}")


def make_classifier(tok, out_dir, seed):
    cfg = encoder_config(["negative", "positive"], vocab_size=len(tok.vocab), pad_token_id=tok.vocab["<|endoftext|>"],
                         max_position_embeddings=128,
                         hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
    torch.manual_seed(seed)
    model = EncoderClassifier(cfg).eval()
    texts = [{"text": t, "ids": tok.encode(t)} for t in CLASSIFIER_TEXTS]
    with torch.no_grad():
        for t in texts:
            t["logits"] = _row(model(torch.tensor([t["ids"]]))[0])
        # The same three padded into one batch (right padding) must give the same rows.
        n = max(len(t["ids"]) for t in texts)
        pad = cfg["pad_token_id"]
        ids = torch.tensor([t["ids"] + [pad] * (n - len(t["ids"])) for t in texts])
        mask = torch.tensor([[1] * len(t["ids"]) + [0] * (n - len(t["ids"])) for t in texts])
        batched = model(ids, mask)
    for t, row in zip(texts, batched):
        assert max(abs(a - b) for a, b in zip(t["logits"], row.tolist())) < 1e-5
    tj = tok.to_json()
    tc = tokenizer_config(tj, "<|endoftext|>", "<|endoftext|>", cfg["max_position_embeddings"], pad_token="<|endoftext|>")
    save_classifier_folder(model, out_dir, tj, tc)
    golden = {
        "description": "PyTorch reference (training/model.py EncoderClassifier) logits, one text per run (batch 1, no padding).",
        "seed": seed,
        "tolerance": 1e-4,
        "id2label": cfg["id2label"],
        "texts": texts,
    }
    _dump(os.path.join(out_dir, "golden.json"), golden)
    print(f"tiny-classifier: {[t['logits'] for t in texts]}")


def _dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def make_appended_copy(src, dst):
    """tiny-llama in the appended KV layout (same weights, same golden.json): kv_layout.py."""
    from kv_layout import convert_file

    os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
    for name in ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    convert_file(os.path.join(src, "onnx", "model.onnx"), os.path.join(dst, "onnx", "model.onnx"))


def main():
    ap = argparse.ArgumentParser(description="Regenerate the tiny ONNX fixtures")
    ap.add_argument("--out", default=os.path.join(ROOT, "server", "inference", "__fixtures__"))
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    tok = build_tokenizer()
    make_llama(tok, os.path.join(args.out, "tiny-llama"), args.seed)
    make_appended_copy(os.path.join(args.out, "tiny-llama"), os.path.join(args.out, "tiny-llama-appended"))
    make_classifier(tok, os.path.join(args.out, "tiny-classifier"), args.seed)


if __name__ == "__main__":
    main()
