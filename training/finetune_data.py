"""Loom's feedback export as fine-tuning data.

Format A (`npm run feedback -- export`): one rated assistant answer per line,
    {"messages": [system?, user, assistant, …, assistant], "rating": 1|-1, "model", "app",
     "created_at", "chat_id", "message_id"}
where the last message is the rated answer. Format B (`--format preference`):
    {"messages": [… up to the user turn], "chosen": "…", "rejected": "…", "model", "app", "created_at", "chat_id"}

The held-back slice is chosen by a salted SHA-1 of chat_id, so one conversation never straddles
the split and a re-export with more rows keeps the old rows on their side.
"""

import hashlib
import json

try:
    from .formats import IM_END, IM_START
except ImportError:  # run as a script from training/
    from formats import IM_END, IM_START

SALT = "loom-feedback-split-v1"
MAX_LINE_BYTES = 1 << 20  # one exported row; longer lines are refused, not truncated
MAX_ROWS = 1_000_000
ROLES = {"system", "user", "assistant"}


class ExportError(ValueError):
    """A line of the export that is not in the documented format (the message names the line)."""


def _check_messages(messages, where):
    if not isinstance(messages, list) or not messages:
        raise ExportError(f"{where}: 'messages' must be a non-empty list")
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise ExportError(f"{where}: every message needs a role (system/user/assistant) and a string content")


def parse_row(line, where):
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise ExportError(f"{where}: not JSON ({e.msg})") from None
    if not isinstance(row, dict):
        raise ExportError(f"{where}: a row must be a JSON object")
    _check_messages(row.get("messages"), where)
    if not isinstance(row.get("chat_id"), str) or not row["chat_id"]:
        raise ExportError(f"{where}: 'chat_id' is missing")
    if "chosen" in row or "rejected" in row:
        if not isinstance(row.get("chosen"), str) or not isinstance(row.get("rejected"), str):
            raise ExportError(f"{where}: a preference row needs string 'chosen' and 'rejected'")
        if row["messages"][-1]["role"] != "user":
            raise ExportError(f"{where}: a preference row's messages end with the user turn")
        row["kind"] = "pair"
        return row
    if row.get("rating") not in (1, -1):
        raise ExportError(f"{where}: 'rating' must be 1 or -1")
    if row["messages"][-1]["role"] != "assistant":
        raise ExportError(f"{where}: the last message must be the rated assistant answer")
    row["kind"] = "rated"
    return row


def read_export(path):
    """Every row of an export (format A and/or B), validated; ExportError on the first bad line."""
    rows = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if len(raw) > MAX_LINE_BYTES:
                raise ExportError(f"{path}:{n}: line longer than {MAX_LINE_BYTES} bytes")
            line = raw.decode("utf-8").strip()
            if not line:
                continue
            rows.append(parse_row(line, f"{path}:{n}"))
            if len(rows) > MAX_ROWS:
                raise ExportError(f"{path}: more than {MAX_ROWS} rows")
    return rows


def held_back(chat_id, share):
    h = hashlib.sha1(f"{SALT}:{chat_id}".encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < share


def split(rows, share=0.1):
    """(train, held) by conversation. With at least two conversations each side gets one."""
    chats = sorted({r["chat_id"] for r in rows})
    held_ids = {c for c in chats if held_back(c, share)}
    if len(chats) >= 2 and not held_ids:
        # a tiny export: hold back the conversation nearest the threshold, still by hash
        held_ids = {min(chats, key=lambda c: hashlib.sha1(f"{SALT}:{c}".encode()).digest())}
    if len(chats) >= 2 and held_ids == set(chats):
        held_ids.discard(max(held_ids, key=lambda c: hashlib.sha1(f"{SALT}:{c}".encode()).digest()))
    train = [r for r in rows if r["chat_id"] not in held_ids]
    held = [r for r in rows if r["chat_id"] in held_ids]
    return train, held


def encode_answer(tok, context, answer, max_len):
    """ids and loss weights of `context` + one assistant `answer` in ChatML: weight 1 on the
    answer's tokens and its end-of-turn, 0 on everything else. The context is cut from the left
    (whole tokens) to fit max_len; None when not even the answer fits."""
    prompt = "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in context) + f"{IM_START}assistant\n"
    p_ids = tok.encode(prompt)
    full = tok.encode(prompt + answer + IM_END)
    if full[: len(p_ids)] != p_ids:  # an answer starting with whitespace can merge with the "\n"
        p_ids = p_ids[:-1]
    a_ids = full[len(p_ids):]
    if len(a_ids) + 1 > max_len:
        return None
    p_ids = p_ids[-(max_len - len(a_ids)):]
    return p_ids + a_ids, [0.0] * len(p_ids) + [1.0] * len(a_ids)


def training_examples(tok, rows, max_len):
    """The liked answers (rating 1) as (ids, weights); format-B rows add their chosen answer."""
    out = []
    for r in rows:
        if r["kind"] == "rated" and r["rating"] == 1:
            ex = encode_answer(tok, r["messages"][:-1], r["messages"][-1]["content"], max_len)
        elif r["kind"] == "pair":
            ex = encode_answer(tok, r["messages"], r["chosen"], max_len)
        else:
            continue
        if ex is not None:
            out.append(ex)
    return out


def preference_examples(tok, rows, max_len):
    """Format-B rows as ((chosen ids, weights), (rejected ids, weights)) for the DPO objective."""
    out = []
    for r in rows:
        if r["kind"] != "pair":
            continue
        c = encode_answer(tok, r["messages"], r["chosen"], max_len)
        j = encode_answer(tok, r["messages"], r["rejected"], max_len)
        if c is not None and j is not None:
            out.append((c, j))
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({k: v for k, v in r.items() if k != "kind"}, ensure_ascii=False) + "\n")
