import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IncrementalDetokenizer } from "./detokenizer";
import { buildByteLevelTokenizer, buildMetaspaceTokenizer } from "./test-helpers";
import { LoomTokenizer } from "./tokenizer";

const samples: Record<string, string> = {
  english: "Once upon a time, there was a little girl named Lily.",
  spaces: "  two  leading spaces,   runs of   spaces and a trailing one ",
  chinese: "我们今天去公园玩。你好，世界！",
  code: "function add(a, b) {\n\treturn a + b;\n}\n\n\tconst x = add(1, 2);",
  emoji: "party 🎉🙂 thumbs 👍🏽 family 👨‍👩‍👧 end",
  mixed: "café naïve 日本語 and ✨ sparkles",
};

const tokenizers = {
  "byte-level BPE": (() => {
    const b = buildByteLevelTokenizer();
    return new LoomTokenizer(b.tokenizerJson, b.tokenizerConfig);
  })(),
  "SentencePiece-style (Metaspace + byte fallback)": (() => {
    const b = buildMetaspaceTokenizer();
    return new LoomTokenizer(b.tokenizerJson, b.tokenizerConfig);
  })(),
};

function stream(tokenizer: LoomTokenizer, ids: number[]) {
  const d = new IncrementalDetokenizer(tokenizer);
  const deltas: string[] = [];
  for (const id of ids) {
    const delta = d.push(id);
    if (delta) deltas.push(delta);
  }
  const tail = d.finish();
  if (tail) deltas.push(tail);
  return deltas;
}

describe("incremental detokenizer", () => {
  for (const [name, tokenizer] of Object.entries(tokenizers)) {
    describe(name, () => {
      for (const [label, text] of Object.entries(samples)) {
        it(`streams ${label} exactly: deltas concatenate to the full decode`, () => {
          const ids = tokenizer.encode(text);
          const deltas = stream(tokenizer, ids);
          const full = tokenizer.decode(ids);
          assert.equal(deltas.join(""), full);
          // For these tokenizers the full decode is the original text (spaces included).
          assert.equal(full, name.startsWith("byte") ? text : text.replace(/^ /, ""));
          // Valid text never shows a broken character mid-stream.
          for (const d of deltas) assert.ok(!d.includes("\uFFFD"), `broken character in ${JSON.stringify(d)}`);
        });
      }

      it("holds back a CJK character split over byte tokens until it is complete", () => {
        const ids = tokenizer.encode("世");
        assert.ok(ids.length > 1, "the sample should need several byte tokens");
        const d = new IncrementalDetokenizer(tokenizer);
        const deltas = ids.map((id) => d.push(id));
        assert.deepEqual(deltas.slice(0, -1), new Array(ids.length - 1).fill(""));
        assert.equal(deltas[deltas.length - 1], "世");
      });
    });
  }

  it("keeps the space of a SentencePiece word that starts a new delta", () => {
    const tokenizer = tokenizers["SentencePiece-style (Metaspace + byte fallback)"];
    const ids = tokenizer.encode("the dog the dog");
    const deltas = stream(tokenizer, ids);
    assert.equal(deltas.join(""), "the dog the dog");
    assert.ok(
      deltas.some((d) => d.startsWith(" ")),
      "later words carry their leading space",
    );
  });

  it("skips special tokens and copes with a stream of only special tokens", () => {
    const tokenizer = tokenizers["byte-level BPE"];
    const eos = tokenizer.tokenToId("<|im_end|>")!;
    assert.deepEqual(stream(tokenizer, [eos]), []);
    const ids = [...tokenizer.encode("hi"), eos];
    assert.equal(stream(tokenizer, ids).join(""), "hi");
  });

  it("emits an invalid byte sequence at the end instead of losing it", () => {
    const tokenizer = tokenizers["byte-level BPE"];
    const firstByteOfEmoji = tokenizer.encode("🎉")[0]!;
    const deltas = stream(tokenizer, [...tokenizer.encode("ok"), firstByteOfEmoji]);
    assert.equal(deltas.join(""), tokenizer.decode([...tokenizer.encode("ok"), firstByteOfEmoji]));
  });
});
