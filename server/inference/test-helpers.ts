// Shared by the *.test.ts files of this folder (not a test itself): small tokenizers built in
// memory, fixture and dataset locations, and probes for optional tools (python with torch).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const fixturesDir = path.join(here, "__fixtures__");
export const tinyLlamaDir = path.join(fixturesDir, "tiny-llama");
/** tiny-llama converted to the appended KV layout (training/kv_layout.py; make_fixtures.py). */
export const tinyLlamaAppendedDir = path.join(fixturesDir, "tiny-llama-appended");
export const tinyClassifierDir = path.join(fixturesDir, "tiny-classifier");
export const familiesDir = path.join(fixturesDir, "families");
/** Encoder-decoder fixtures (training/make_seq2seq_fixtures.py): marian, bart. */
export const seq2seqDir = path.join(fixturesDir, "seq2seq");

/** ../shared/datasets relative to the repository, or LOOM_DATASETS_DIR. */
export function datasetsDir(): string {
  return process.env.LOOM_DATASETS_DIR
    ? path.resolve(process.env.LOOM_DATASETS_DIR)
    : path.resolve(repoRoot, "../shared/datasets");
}

export const PYTHON = process.env.LOOM_PYTHON ?? "/usr/bin/python3";

let torchProbe: string | undefined | null = null;
/** Undefined when python+torch+onnx are usable, else a sentence saying what is missing. */
export function pythonTorchMissing(): string | undefined {
  if (torchProbe !== null) return torchProbe;
  if (!existsSync(PYTHON)) return (torchProbe = `${PYTHON} is absent (python with torch and onnx converts the model)`);
  const r = spawnSync(PYTHON, ["-c", "import torch, onnx"], { encoding: "utf8" });
  torchProbe =
    r.status === 0
      ? undefined
      : `${PYTHON} cannot import torch and onnx (${(r.stderr || "").trim().split("\n").pop()})`;
  return torchProbe;
}

/** Skip message when a committed fixture folder is not there (yet). */
export function fixtureMissing(dir: string): string | undefined {
  return existsSync(path.join(dir, "config.json")) ? undefined : `fixture ${path.relative(repoRoot, dir)} is absent`;
}

// ---------------------------------------------------------------------------------------------
// In-memory tokenizers

/** GPT-2's reversible byte → printable character map used by byte-level BPE. */
export function bytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i]!)]));
}

const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Learn `numMerges` BPE merges over already-split words (arrays of symbols). */
function learnMerges(words: string[][], numMerges: number): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  for (let m = 0; m < numMerges; m++) {
    const counts = new Map<string, number>();
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++) {
        const key = w[i] + "\u0000" + w[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    let best: string | undefined;
    let bestCount = 1; // a pair seen once is not worth a merge
    for (const [k, c] of counts)
      if (c > bestCount || (c === bestCount && best !== undefined && k < best)) {
        best = k;
        bestCount = c;
      }
    if (!best) break;
    const [a, b] = best.split("\u0000") as [string, string];
    merges.push([a, b]);
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) w.splice(i, 2, a + b);
  }
  return merges;
}

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const TRAINING_TEXT = [
  "The quick brown fox jumps over the lazy dog. The dog sleeps in the sun.",
  "Once upon a time, there was a little girl named Lily. She loved to play outside.",
  "function add(a, b) {\n\treturn a + b;\n}\n\nconst x = add(1, 2);",
  "我们今天去公园玩。你好，世界！",
  "emoji 🎉🙂👍🏽 and café naïve",
].join("\n");

/** A GPT-2 style byte-level BPE tokenizer with ChatML special tokens, trained on `text`. */
export function buildByteLevelTokenizer(text = TRAINING_TEXT, numMerges = 200) {
  const byteMap = bytesToUnicode();
  const encoder = new TextEncoder();
  const toSymbols = (piece: string) => Array.from(encoder.encode(piece), (b) => byteMap.get(b)!);
  const words = Array.from(text.matchAll(GPT2_PATTERN), (m) => toSymbols(m[0]));
  const merges = learnMerges(words, numMerges);
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[byteMap.get(b)!] = b;
  let next = 256;
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = next++;
  const special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const added_tokens = special.map((content, i) => ({
    id: next + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizerJson = {
    version: "1.0",
    added_tokens,
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenizerConfig = {
    bos_token: "<|endoftext|>",
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    clean_up_tokenization_spaces: false,
    chat_template: CHATML_TEMPLATE,
  };
  return { tokenizerJson, tokenizerConfig };
}

/**
 * A Llama/SentencePiece-style tokenizer: Metaspace ("▁"), BPE over characters with byte fallback
 * for anything outside the base alphabet (so CJK and emoji become <0xXX> byte tokens), <s>/</s>.
 */
export function buildMetaspaceTokenizer(text = TRAINING_TEXT, numMerges = 150) {
  const alphabet = new Set<string>();
  for (const ch of text.replaceAll(" ", "▁")) if (ch.codePointAt(0)! < 0x2e80 || ch === "▁") alphabet.add(ch);
  alphabet.add("▁");
  const vocab: Record<string, number> = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  let next = 3;
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = next++;
  for (const ch of [...alphabet].sort()) if (!(ch in vocab)) vocab[ch] = next++;
  const words = text
    .split("\n")
    .map((line) => Array.from("▁" + line.replaceAll(" ", "▁")).filter((c) => alphabet.has(c)));
  const merges = learnMerges(words, numMerges);
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = next++;
  const added_tokens = [
    { id: 0, content: "<unk>", special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
    { id: 1, content: "<s>", special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
    { id: 2, content: "</s>", special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
  ];
  const tokenizerJson = {
    version: "1.0",
    added_tokens,
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: false },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenizerConfig = {
    bos_token: "<s>",
    eos_token: "</s>",
    unk_token: "<unk>",
    add_bos_token: true,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizerJson, tokenizerConfig };
}

/** Collect an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
