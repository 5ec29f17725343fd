// Every encoder-decoder fixture (training/make_seq2seq_fixtures.py) through Loom's seq2seq runner
// on onnxruntime-node: the encoder's output and each cached decoder step's logits within 1e-4 of
// PyTorch's (golden.json), greedy ids as PyTorch and transformers.js give them, and the stream's
// contract (eos, max tokens, sampling by seed, aborts, prompts past the encoder's positions).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadModel } from "./engine";
import { loadModel as loadModelInWorker } from "./loader";
import { RequestAbortedError } from "./errors";
import type { GenerationEvent, LoadedSeq2Seq } from "./loaded-model";
import { Seq2SeqRunner } from "./seq2seq";
import { fixtureMissing, seq2seqDir } from "./test-helpers";
import { loadSeq2SeqPeerModel } from "./transformers-peer";

interface Golden {
  prompt: string;
  input_ids: number[];
  decoder_start_token_id: number;
  encoder_last_hidden_state: number[];
  greedy_ids: number[];
  step_logits: number[][];
}

const TOLERANCE = 1e-4;
const FAMILIES = ["marian", "bart", "t5"];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "length");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function collect(stream: AsyncIterable<GenerationEvent>) {
  let text = "";
  for await (const event of stream) {
    if (event.type === "delta") text += event.text;
    else return { text, finish: event };
  }
  throw new Error("no finish event");
}

for (const family of FAMILIES) {
  const dir = path.join(seq2seqDir, family);
  describe(`seq2seq ${family}`, { skip: fixtureMissing(dir) }, () => {
    let model: LoadedSeq2Seq;
    let golden: Golden;
    before(async () => {
      golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as Golden;
      const loaded = await loadModel(dir, { id: family });
      assert.equal(loaded.kind, "seq2seq");
      model = loaded as LoadedSeq2Seq;
    });
    after(() => model?.dispose());

    it("tokenises the golden prompt as the fixture's tokenizer did", () => {
      assert.deepEqual(model.encodePrompt({ prompt: golden.prompt }), golden.input_ids);
    });

    it("encoder output and every cached decoder step within 1e-4 of PyTorch", async () => {
      const shape = model.folder.seq2seq!;
      // A runner of its own on the same graphs: the engine's is private to the model.
      const ort = await import("onnxruntime-node");
      const encoder = await ort.InferenceSession.create(shape.encoderPath);
      const decoder = await ort.InferenceSession.create(shape.decoderPath);
      const runner = new Seq2SeqRunner(encoder, decoder, shape);
      try {
        const encoded = await runner.encode(golden.input_ids);
        assert.ok(maxDiff(encoded.hidden.data as Float32Array, golden.encoder_last_hidden_state) < TOLERANCE);
        const step = runner.decoding(encoded);
        let token = golden.decoder_start_token_id;
        for (let i = 0; i < golden.step_logits.length; i++) {
          const logits = await step(token);
          const diff = maxDiff(logits, golden.step_logits[i]!);
          assert.ok(diff < TOLERANCE, `step ${i}: max |diff| ${diff}`);
          token = golden.greedy_ids[i]!;
        }
      } finally {
        await runner.release();
      }
    });

    it("greedy generation gives PyTorch's ids", async () => {
      const n = golden.greedy_ids.length;
      const { finish } = await collect(
        model.generate({ promptIds: golden.input_ids, maxNewTokens: n, ignoreEos: true }),
      );
      assert.deepEqual(finish.tokenIds, golden.greedy_ids);
      assert.equal(finish.finishReason, "length");
      assert.equal(finish.promptTokens, golden.input_ids.length);
    });

    it("greedy generation matches transformers.js", async () => {
      const peer = await loadSeq2SeqPeerModel(dir);
      try {
        const prompts = [
          golden.input_ids,
          model.encodePrompt({ prompt: family === "bart" ? "the loom" : "hello world" }),
        ];
        for (const ids of prompts) {
          const theirs = await peer.greedy(ids, 12);
          const { finish } = await collect(model.generate({ promptIds: ids, maxNewTokens: 12 }));
          // transformers.js keeps the eos it stopped on, as Loom's tokenIds do; it pads nothing for one sequence.
          assert.deepEqual(finish.tokenIds, theirs, `prompt ${ids.join(",")}`);
        }
      } finally {
        await peer.dispose();
      }
    });

    it("streams deltas that add up to the decoded output", async () => {
      const { text, finish } = await collect(model.generate({ prompt: golden.prompt, maxNewTokens: 8 }));
      assert.equal(text, finish.text);
      const shown = finish.tokenIds.filter((id) => !model.folder.generation.eosTokenIds.includes(id));
      assert.equal(text, model.tokenizer.decode(shown, { skipSpecialTokens: true }));
    });

    it("samples reproducibly by seed", async () => {
      const run = (seed: number) =>
        collect(model.generate({ prompt: golden.prompt, maxNewTokens: 8, temperature: 1.5, seed, ignoreEos: true }));
      const [a, b] = [await run(7), await run(7)];
      assert.deepEqual(a.finish.tokenIds, b.finish.tokenIds);
      const others = await Promise.all([1, 2, 3, 4].map(run));
      assert.ok(
        others.some((o) => o.finish.tokenIds.join() !== a.finish.tokenIds.join()),
        "a seed changes the draw",
      );
    });

    it("refuses a prompt longer than the encoder's positions, naming the limit", () => {
      const ids = Array.from({ length: model.maxPositions + 1 }, () => golden.input_ids[0]!);
      assert.throws(
        () => model.generate({ promptIds: ids }),
        (e: Error & { httpStatus?: number }) => {
          assert.match(e.message, new RegExp(`at most ${model.maxPositions} tokens`));
          return true;
        },
      );
    });

    it("honours an abort between steps", async () => {
      const controller = new AbortController();
      const stream = model.generate({
        promptIds: golden.input_ids,
        maxNewTokens: 40,
        ignoreEos: true,
        signal: controller.signal,
        onStart: () => controller.abort(),
      });
      await assert.rejects(collect(stream), RequestAbortedError);
      assert.equal(model.stats().active, 0);
    });
  });
}

describe(
  "seq2seq in a worker thread (the server's loader)",
  { skip: fixtureMissing(path.join(seq2seqDir, "t5")) },
  () => {
    const dir = path.join(seq2seqDir, "t5");
    let model: LoadedSeq2Seq;
    let golden: Golden;
    before(async () => {
      golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as Golden;
      const loaded = await loadModelInWorker(dir, { id: "t5-worker" });
      assert.equal(loaded.kind, "seq2seq");
      model = loaded as LoadedSeq2Seq;
    });
    after(() => model?.dispose());

    it("gives PyTorch's greedy ids, two requests queued one after the other", async () => {
      const request = { promptIds: golden.input_ids, maxNewTokens: golden.greedy_ids.length, ignoreEos: true };
      const [a, b] = await Promise.all([collect(model.generate(request)), collect(model.generate(request))]);
      assert.deepEqual(a.finish.tokenIds, golden.greedy_ids);
      assert.deepEqual(b.finish.tokenIds, golden.greedy_ids);
      assert.equal(model.stats().active + model.stats().waiting, 0);
    });

    it("refuses an over-long prompt at once, and honours an abort", async () => {
      const ids = Array.from({ length: model.maxPositions + 1 }, () => golden.input_ids[0]!);
      assert.throws(() => model.generate({ promptIds: ids }), /at most 64 tokens/);
      const controller = new AbortController();
      const stream = model.generate({
        promptIds: golden.input_ids,
        maxNewTokens: 60,
        ignoreEos: true,
        signal: controller.signal,
        onStart: () => controller.abort(),
      });
      await assert.rejects(collect(stream), RequestAbortedError);
    });
  },
);
