// A bad folder fails at load time, naming the file and the key or graph input: the files as
// read by model-folder.ts, and the graph as checked by graph-check.ts (through loadModel, which
// runs both), with the same scratch copies of the fixtures.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadModel } from "./engine";
import { ModelFolderError } from "./errors";
import { readModelFolder } from "./model-folder";
import { fixtureMissing, seq2seqDir, tinyClassifierDir, tinyLlamaDir } from "./test-helpers";

const skip = fixtureMissing(tinyLlamaDir) ?? fixtureMissing(tinyClassifierDir);
const temps: string[] = [];
const quiet = { logger: { info() {}, warn() {} }, session: { device: "cpu" as const } };

/** A scratch copy of a fixture, changed by `edit`. */
function copyOf(dir: string, edit: (copy: string) => void): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "loom-folder-"));
  temps.push(root);
  const copy = path.join(root, path.basename(dir));
  cpSync(dir, copy, { recursive: true });
  edit(copy);
  return copy;
}

function editJson(file: string, change: (json: Record<string, unknown>) => void) {
  const json = JSON.parse(readFileSync(file, "utf8"));
  change(json);
  writeFileSync(file, JSON.stringify(json));
}

async function folderError(promise: Promise<unknown>): Promise<ModelFolderError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ModelFolderError, `expected ModelFolderError, got ${(e as Error)?.stack}`);
    return e;
  }
  assert.fail("expected a ModelFolderError");
}

describe("model folder", { skip }, () => {
  after(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it("reads the fixtures: kind, decoder shape, labels, generation defaults", async () => {
    const llama = await readModelFolder(tinyLlamaDir);
    assert.equal(llama.kind, "causal-lm");
    assert.equal(llama.onnxFile, "onnx/model.onnx");
    assert.deepEqual(llama.decoder, {
      numLayers: 2,
      numAttentionHeads: 4,
      numKvHeads: 2,
      headDim: 16,
      hiddenSize: 64,
      vocabSize: 512,
      maxPositions: 256,
    });
    assert.deepEqual(llama.generation.eosTokenIds.sort(), [509, 511]);
    const classifier = await readModelFolder(tinyClassifierDir);
    assert.equal(classifier.kind, "classifier");
    assert.deepEqual(classifier.labels, ["negative", "positive"]);
  });

  it("names a missing file", async () => {
    for (const file of ["config.json", "tokenizer.json"]) {
      const dir = copyOf(tinyLlamaDir, (c) => rmSync(path.join(c, file)));
      const e = await folderError(readModelFolder(dir));
      assert.equal(e.file, file);
      assert.match(e.message, /missing/);
    }
    const noOnnx = copyOf(tinyLlamaDir, (c) => rmSync(path.join(c, "onnx"), { recursive: true }));
    const e = await folderError(readModelFolder(noOnnx));
    assert.equal(e.file, "onnx/model.onnx");
    await folderError(readModelFolder(path.join(os.tmpdir(), "loom-no-such-folder")));
  });

  it("falls back to onnx/model_quantized.onnx", async () => {
    const dir = copyOf(tinyLlamaDir, (c) =>
      renameSync(path.join(c, "onnx", "model.onnx"), path.join(c, "onnx", "model_quantized.onnx")),
    );
    assert.equal((await readModelFolder(dir)).onnxFile, "onnx/model_quantized.onnx");
  });

  it("names the file and key of invalid JSON and invalid values", async () => {
    const broken = copyOf(tinyLlamaDir, (c) => writeFileSync(path.join(c, "generation_config.json"), "{ nope"));
    const e1 = await folderError(readModelFolder(broken));
    assert.equal(e1.file, "generation_config.json");
    const badValue = copyOf(tinyLlamaDir, (c) =>
      editJson(path.join(c, "config.json"), (j) => {
        j.num_hidden_layers = "two";
      }),
    );
    const e2 = await folderError(readModelFolder(badValue));
    assert.equal(e2.file, "config.json");
    assert.equal(e2.input, "num_hidden_layers");
  });

  it("an encoder-decoder without its two graphs is refused, naming the missing one", async () => {
    const dir = copyOf(tinyLlamaDir, (c) =>
      editJson(path.join(c, "config.json"), (j) => {
        j.architectures = ["T5ForConditionalGeneration"];
      }),
    );
    const e = await folderError(readModelFolder(dir));
    assert.equal(e.file, "onnx/encoder_model.onnx");
    assert.match(e.message, /encoder_model\.onnx and onnx\/decoder_model_merged\.onnx/);
  });

  it("reads an encoder-decoder folder: kind seq2seq, its shapes and generation quirks", async () => {
    const folder = await readModelFolder(path.join(seq2seqDir, "marian"));
    assert.equal(folder.kind, "seq2seq");
    assert.equal(folder.onnxFile, "onnx/decoder_model_merged.onnx");
    const pad = folder.config.pad_token_id as number;
    assert.equal(folder.seq2seq?.decoderStartTokenId, pad);
    assert.deepEqual(folder.seq2seq?.bannedTokenIds, [pad]);
    assert.equal(folder.seq2seq?.maxPositions, 64);
    const bart = await readModelFolder(path.join(seq2seqDir, "bart"));
    assert.equal(bart.seq2seq?.forcedBosTokenId, bart.config.bos_token_id);
    assert.equal(bart.seq2seq?.decoderStartTokenId, bart.config.eos_token_id);
  });

  it("wrong graph I/O names: a classifier graph in a causal LM folder", async () => {
    const dir = copyOf(tinyLlamaDir, (c) =>
      cpSync(path.join(tinyClassifierDir, "onnx", "model.onnx"), path.join(c, "onnx", "model.onnx")),
    );
    const e = await folderError(loadModel(dir, quiet));
    assert.equal(e.file, "onnx/model.onnx");
    assert.equal(e.input, "past_key_values.0.key");
  });

  it("config/graph mismatch: layers, key/value heads, head size", async () => {
    const cases: Array<[Record<string, unknown>, RegExp, string]> = [
      [{ num_hidden_layers: 3 }, /num_hidden_layers = 3/, "past_key_values.2.key"],
      [{ num_key_value_heads: 4 }, /num_key_value_heads = 4/, "past_key_values.0.key"],
      [{ head_dim: 8 }, /head_dim = 8/, "past_key_values.0.key"],
      [{ vocab_size: 1000 }, /vocab_size = 1000/, "logits"],
    ];
    for (const [change, message, input] of cases) {
      const dir = copyOf(tinyLlamaDir, (c) => editJson(path.join(c, "config.json"), (j) => Object.assign(j, change)));
      const e = await folderError(loadModel(dir, quiet));
      assert.match(e.message, message);
      assert.equal(e.input, input);
      assert.equal(e.file, "onnx/model.onnx");
    }
  });

  it("classifier: labels must match the graph's classes", async () => {
    const dir = copyOf(tinyClassifierDir, (c) =>
      editJson(path.join(c, "config.json"), (j) => {
        j.id2label = { 0: "negative", 1: "neutral", 2: "positive" };
      }),
    );
    const e = await folderError(loadModel(dir, quiet));
    assert.equal(e.input, "logits");
  });
});
