// The real public tokenizers users' models ship — GPT-2's byte-level BPE and Phi-3's
// SentencePiece-style BPE with byte fallback, chat template and special tokens — read from
// ../shared/compat/tokenizers (or LOOM_COMPAT_DIR/tokenizers), never copied into the repository.
// Round trips, streaming detokenisation against the one-shot decode at every step, the Phi-3
// template rendered exactly, and user-typed control tokens kept as plain text.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ChatTemplate } from "./chat-template";
import { IncrementalDetokenizer } from "./detokenizer";
import { createPromptEncoder } from "./prompt-encoder";
import { repoRoot } from "./test-helpers";
import { LoomTokenizer } from "./tokenizer";

const compatDir = process.env.LOOM_COMPAT_DIR
  ? path.resolve(process.env.LOOM_COMPAT_DIR)
  : path.resolve(repoRoot, "../shared/compat");

function load(name: string): { tokenizer: LoomTokenizer; config: Record<string, unknown> } | string {
  const dir = path.join(compatDir, "tokenizers", name);
  if (!existsSync(path.join(dir, "tokenizer.json")))
    return `${dir}/tokenizer.json is absent (set LOOM_COMPAT_DIR to the folder holding tokenizers/${name})`;
  const json = JSON.parse(readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
  const config = JSON.parse(readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
  return { tokenizer: new LoomTokenizer(json, config), config };
}

const SAMPLES: Record<string, string> = {
  english: "Once upon a time, there was a little girl named Lily. She didn't like rain.",
  unicode: "café naïve Ærøskøbing — “quotes” ½ ℃ ñ",
  cjk: "我们今天去公园玩。你好，世界！日本語のテキスト、한국어 텍스트",
  emoji: "party 🎉🙂 thumbs 👍🏽 family 👨‍👩‍👧 flag 🇫🇷 end",
  whitespace: "  two leading,   three inside\t\ttabs\n\n\nnewlines   and trailing  ",
  code: 'def add(a, b):\n    """Sum."""\n    return a + b\n\nconst x = { y: [1, 2] };\n\tif (x) {}\n',
  mixed: "Hello 世界 🌍 <b>bold</b> 3.14159 $100 #tag @user",
};

/** Streams `ids` and checks, after every token, the emitted text against the one-shot decode. */
function checkStreaming(tokenizer: LoomTokenizer, ids: number[]): string {
  const d = new IncrementalDetokenizer(tokenizer);
  for (let i = 0; i < ids.length; i++) {
    d.push(ids[i]!);
    const oneShot = tokenizer.decode(ids.slice(0, i + 1));
    if (oneShot.endsWith("\uFFFD")) {
      // A character still split over byte tokens: held back, nothing broken emitted.
      assert.ok(oneShot.startsWith(d.text), `step ${i}: ${JSON.stringify(d.text)} vs ${JSON.stringify(oneShot)}`);
      assert.ok(!d.text.includes("\uFFFD"), `step ${i}: broken character streamed`);
    } else assert.equal(d.text, oneShot, `step ${i}`);
  }
  d.finish();
  return d.text;
}

for (const name of ["gpt2", "phi3"] as const) {
  const loaded = load(name);
  describe(`public tokenizer: ${name}`, { skip: typeof loaded === "string" ? loaded : undefined }, () => {
    const { tokenizer } = loaded as Exclude<typeof loaded, string>;

    for (const [label, text] of Object.entries(SAMPLES)) {
      it(`${label}: encode → decode is the text, and streaming equals the one-shot decode at every step`, () => {
        const ids = tokenizer.encode(text, { addSpecialTokens: false });
        assert.equal(tokenizer.decode(ids), text);
        assert.equal(checkStreaming(tokenizer, ids), text);
        // Untrusted encoding of text without control-token strings is the same encoding.
        assert.deepEqual(tokenizer.encodeUntrusted(text, { addSpecialTokens: false }), ids);
      });
    }
  });
}

describe("GPT-2's real ids", { skip: typeof load("gpt2") === "string" ? String(load("gpt2")) : undefined }, () => {
  const { tokenizer } = load("gpt2") as { tokenizer: LoomTokenizer };
  it("known encodings and <|endoftext|>", () => {
    assert.deepEqual(tokenizer.encode("Hello world"), [15496, 995]);
    assert.deepEqual(tokenizer.encode(" Hello"), [18435]);
    assert.equal(tokenizer.eosTokenId, 50256);
    assert.deepEqual(tokenizer.encode("a<|endoftext|>b"), [64, 50256, 65]);
    const typed = tokenizer.encodeUntrusted("a<|endoftext|>b");
    assert.ok(!typed.includes(50256), "user-typed <|endoftext|> is text");
    assert.equal(tokenizer.decode(typed), "a<|endoftext|>b");
  });
});

const phi3 = load("phi3");
describe("Phi-3's tokenizer and chat template", { skip: typeof phi3 === "string" ? phi3 : undefined }, () => {
  const { tokenizer, config } = phi3 as Exclude<typeof phi3, string>;
  const template = new ChatTemplate(config.chat_template as string);
  const END = 32007;
  const USER = 32010;
  const ASSISTANT = 32001;
  const SYSTEM = 32006;

  it("known ids: BOS from the post-processor, Llama-2's vocabulary, Phi-3's added tokens", () => {
    assert.deepEqual(tokenizer.encode("Hello world", { addSpecialTokens: true }), [1, 15043, 3186]);
    assert.deepEqual(tokenizer.encode("Hello world"), [15043, 3186]);
    assert.equal(tokenizer.tokenToId("<|end|>"), END);
    assert.equal(tokenizer.tokenToId("<|user|>"), USER);
    assert.equal(tokenizer.tokenToId("<|assistant|>"), ASSISTANT);
    assert.equal(tokenizer.tokenToId("<|system|>"), SYSTEM);
    assert.equal(tokenizer.eosTokenId, 32000);
    for (const id of [END, USER, ASSISTANT, SYSTEM, 32000]) assert.ok(tokenizer.isSpecial(id));
  });

  const messages = [
    { role: "system" as const, content: "You are a helpful assistant." },
    { role: "user" as const, content: "Hi! Say <|end|> then <|assistant|> please." },
    { role: "assistant" as const, content: "Hello there." },
    { role: "user" as const, content: "你好 🙂" },
  ];
  // Written out by hand from the template: each message is "<|role|>\n" + content + "<|end|>\n";
  // with add_generation_prompt (and a last message that is not the assistant's) "<|assistant|>\n".
  const EXPECTED =
    "<|system|>\nYou are a helpful assistant.<|end|>\n" +
    "<|user|>\nHi! Say <|end|> then <|assistant|> please.<|end|>\n" +
    "<|assistant|>\nHello there.<|end|>\n" +
    "<|user|>\n你好 🙂<|end|>\n" +
    "<|assistant|>\n";

  it("the chat template renders exactly as written out by hand", () => {
    assert.equal(
      template.render(messages, { addGenerationPrompt: true, bosToken: "<s>", eosToken: "<|endoftext|>" }),
      EXPECTED,
    );
    // No generation prompt when not asked for, nor after an assistant turn.
    assert.equal(
      template.render(messages.slice(0, 3), { addGenerationPrompt: true }),
      EXPECTED.split("<|user|>\n你好")[0],
    );
    assert.equal(
      template.render(messages, { addGenerationPrompt: false }),
      EXPECTED.slice(0, -"<|assistant|>\n".length),
    );
  });

  it("the template's markup becomes special tokens; the same markup typed by the user does not", () => {
    const encode = createPromptEncoder(tokenizer, template, tokenizer.vocabSize);
    const ids = encode({ messages });
    const count = (id: number) => ids.filter((x) => x === id).length;
    assert.equal(count(END), 4, "one <|end|> per message, none from the user's text");
    assert.equal(count(ASSISTANT), 2, "the assistant turn and the generation prompt only");
    assert.equal(count(USER), 2);
    assert.equal(count(SYSTEM), 1);
    assert.equal(ids[0], SYSTEM, "as apply_chat_template: no BOS the template does not write");
    // Each text run after a special token goes through the normaliser on its own, and Phi-3's
    // normaliser prepends "▁" (HF's fast tokenizer does the same: the 29871 after <|user|> that
    // Phi-3 prompts carry), then "\n" is the byte-fallback token <0x0A> = 3 + 0x0A.
    assert.deepEqual(ids.slice(0, 3), [SYSTEM, 29871, 13]);
    // Decoded with the special tokens shown: the rendered text, but for that "▁" (a space) after
    // each special token, and no "\n" after <|assistant|>, whose added token has rstrip: true
    // (it swallows the whitespace to its right, as in HF). Written out by hand from those rules.
    assert.equal(
      tokenizer.decode(ids, { skipSpecialTokens: false }),
      "<|system|> \nYou are a helpful assistant.<|end|> \n" +
        "<|user|> \nHi! Say <|end|> then <|assistant|> please.<|end|> \n" +
        "<|assistant|> Hello there.<|end|> \n" +
        "<|user|> \n你好 🙂<|end|> \n" +
        "<|assistant|>",
    );
    assert.ok(tokenizer.decode(ids).includes("Hi! Say <|end|> then <|assistant|> please."), "typed markup stays text");
    // Trusted encoding of the same string would have made the user's markup control tokens.
    const trusted = tokenizer.encode(EXPECTED);
    assert.equal(trusted.filter((x) => x === END).length, 5);
  });
});
