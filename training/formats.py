"""What the models read and write: the special tokens, the chat template (ChatML) turned into ids
and loss weights, the sentiment rows turned into ids, padded batches, and batched greedy
generation. Shared by the training jobs, evaluate.py and onnx_check.py, which import from here
and never from each other.
"""

import torch

IM_START, IM_END, EOT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"


# ------------------------------------------------------------------------------------------
# Chat: template → (ids, loss weights), prompts
# ------------------------------------------------------------------------------------------


def render(messages, add_generation_prompt=False):
    """The chat template (ChatML), as CHATML_TEMPLATE renders it."""
    s = "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in messages)
    return s + (f"{IM_START}assistant\n" if add_generation_prompt else "")


def encode_example(tok, messages, prompt_w):
    ids, w = [], []
    for m in messages:
        head = tok.encode(f"{IM_START}{m['role']}\n")
        full = tok.encode(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n")
        if full[: len(head)] != head:  # content starting with whitespace can merge with the "\n"
            head = head[:-1]
        body_w = 1.0 if m["role"] == "assistant" else prompt_w
        ids += full
        w += [prompt_w] * len(head) + [body_w] * (len(full) - len(head) - 1) + [prompt_w]
    return ids, w


def prompt_ids(tok, messages):
    return tok.encode(render([m for m in messages if m["role"] != "assistant"], add_generation_prompt=True))


# ------------------------------------------------------------------------------------------
# Classifier: rows → ids, padded batches
# ------------------------------------------------------------------------------------------


def encode_sentiment(tok, rows, max_len):
    return [(tok.encode(r["text"])[:max_len] or [0], r["label"], r["source"]) for r in rows]


def pad_batch(items, pad_id):
    L = max(len(x[0]) for x in items)
    ids = torch.full((len(items), L), pad_id, dtype=torch.long)
    mask = torch.zeros(len(items), L, dtype=torch.long)
    for i, x in enumerate(items):
        ids[i, : len(x[0])] = torch.tensor(x[0])
        mask[i, : len(x[0])] = 1
    return ids, mask, torch.tensor([x[1] for x in items])


# ------------------------------------------------------------------------------------------
# Generation (batched greedy, left padding, KV cache)
# ------------------------------------------------------------------------------------------


@torch.no_grad()
def generate(model, prompts, max_new, stop_ids, stop_on_newline_id=None, batch=16):
    """prompts: list of id lists. Returns generated id lists (stop token excluded)."""
    model.eval()
    dev = next(model.parameters()).device
    outs = [None] * len(prompts)
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    max_ctx = model.config["max_position_embeddings"]
    for b0 in range(0, len(order), batch):
        idx = order[b0:b0 + batch]
        ps = [prompts[i][-(max_ctx - max_new):] for i in idx]
        L = max(len(p) for p in ps)
        ids = torch.zeros(len(ps), L, dtype=torch.long)
        mask = torch.zeros(len(ps), L, dtype=torch.long)
        for j, p in enumerate(ps):
            ids[j, L - len(p):] = torch.tensor(p)
            mask[j, L - len(p):] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        pos = (mask.cumsum(1) - 1).clamp(min=0)
        logits, past = model(ids, mask, pos)
        gen = [[] for _ in ps]
        done = [False] * len(ps)
        nxt = logits[:, -1].argmax(-1)
        for step in range(max_new):
            for j in range(len(ps)):
                if not done[j]:
                    t = int(nxt[j])
                    if t in stop_ids:
                        done[j] = True
                    else:
                        gen[j].append(t)
                        if stop_on_newline_id is not None and stop_on_newline_id(t):
                            done[j] = True
            if all(done):
                break
            mask = torch.cat([mask, torch.ones(len(ps), 1, dtype=torch.long, device=dev)], 1)
            pos = pos[:, -1:] + 1
            logits, past = model(nxt[:, None], mask, pos, past)
            nxt = logits[:, -1].argmax(-1)
        for j, i in enumerate(idx):
            outs[i] = gen[j]
    return outs
