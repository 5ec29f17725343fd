"""The prompt contract of loom-chat: the exact messages each task is trained on. The server's
task modules must build exactly these messages; the decoder job's export writes them
(prompt_spec) to models/loom-chat/loom-prompts.json, and the chat template (ChatML) does the rest.
"""

LANGUAGES = {"en": "English", "zh": "Chinese", "de": "German", "fr": "French"}
TRANSLATION_PAIRS = [["en", "zh"], ["zh", "en"], ["en", "de"], ["de", "en"], ["en", "fr"], ["fr", "en"]]
PROMPTS = {
    "chat": {"system": "You are Loom, a small helpful assistant."},
    "summarize": {"system": "Summarize the text {length}."},
    "translate": {"system": "Translate from {source} to {target}."},
    "code": {"system": "Complete the code. Reply with the next lines only."},
}


# The summarise app's length choices, as the words that fill {length}. "medium" reads exactly as
# the single summarise prompt of earlier recipes did.
SUMMARY_LENGTHS = {"short": "in one sentence", "medium": "in a few sentences", "bullets": "as bullet points"}


def messages_for(task, user, assistant=None, **kw):
    system = PROMPTS[task]["system"].format(**kw)
    msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    if assistant is not None:
        msgs.append({"role": "assistant", "content": assistant})
    return msgs


def prompt_spec():
    """The exact messages loom-chat was trained on, for the server's task modules."""
    return {
        "template": "chatml (tokenizer_config.json chat_template); generation starts after '<|im_start|>assistant\\n' and stops at '<|im_end|>'",
        "chat": {"messages": [{"role": "system", "content": PROMPTS["chat"]["system"]},
                              {"role": "user", "content": "{message}"}],
                 "notes": "multi-turn: keep the one system message, then alternate user/assistant"},
        "summarize": {"messages": [{"role": "system", "content": PROMPTS["summarize"]["system"]},
                                   {"role": "user", "content": "{text}"}],
                      "lengths": SUMMARY_LENGTHS,
                      "notes": "trained on texts up to ~650 words (BBC articles cut at ~150 and at ~650 words; a 1,024-token context); cut longer input at a sentence boundary"},
        "translate": {"messages": [{"role": "system", "content": PROMPTS["translate"]["system"]},
                                   {"role": "user", "content": "{text}"}],
                      "placeholders": {"source": "language name from 'languages'", "target": "language name from 'languages'"},
                      "languages": LANGUAGES, "pairs": TRANSLATION_PAIRS,
                      "notes": "one sentence per request works best (trained on sentences up to 160 characters)"},
        "code": {"messages": [{"role": "system", "content": PROMPTS["code"]["system"]},
                              {"role": "user", "content": "{code_before_cursor}"}],
                 "notes": "user content: the last ≤24 lines (≤900 chars) before the cursor, ending at a line end, no code fence; the reply is the next 1–4 lines"},
    }
