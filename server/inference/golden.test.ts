// The ONNX fixture run by onnxruntime-node through Loom's own runner and KV cache must give the
// logits PyTorch gave (training/make_fixtures.py wrote them to golden.json). Twice: the standard
// layout (present.* = the whole cache) and the same graph converted to Loom's appended layout
// (present_new.*, training/kv_layout.py), whose cache the engine keeps in pages — small pages
// here (4 steps), so the 20 golden steps cross several page boundaries.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { DecoderRunner } from "./decoder-runner";
import { loadCausalLM } from "./engine";
import { checkDecoderGraph } from "./graph-check";
import { readModelFolder } from "./model-folder";
import { fixtureMissing, tinyLlamaAppendedDir, tinyLlamaDir } from "./test-helpers";

interface Golden {
  tolerance: number;
  prompt: { ids: number[] };
  prefill: { last_logits: number[]; next_token: number };
  steps: Array<{ input_id: number; position: number; logits: number[]; next_token: number }>;
  prompts: Array<{ ids: number[]; greedy_ids: number[] }>;
}

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const TOLERANCE = 1e-4;

for (const variant of [
  { name: "standard layout", dir: tinyLlamaDir, kvLayout: "present", pageTokens: undefined },
  { name: "appended layout, 4-step pages", dir: tinyLlamaAppendedDir, kvLayout: "appended", pageTokens: 4 },
] as const)
  describe(
    `golden logits (PyTorch vs onnxruntime-node through Loom's KV cache), ${variant.name}`,
    { skip: fixtureMissing(tinyLlamaDir) ?? fixtureMissing(variant.dir) },
    () => {
      let session: ort.InferenceSession;
      let runner: DecoderRunner;
      let golden: Golden;

      before(async () => {
        golden = JSON.parse(readFileSync(path.join(tinyLlamaDir, "golden.json"), "utf8"));
        const folder = await readModelFolder(variant.dir);
        session = await ort.InferenceSession.create(folder.onnxPath, { executionProviders: ["cpu"] });
        const graph = checkDecoderGraph(folder, session);
        assert.equal(graph.kvLayout, variant.kvLayout);
        const d = folder.decoder!;
        runner = new DecoderRunner(
          session,
          { numLayers: d.numLayers, numKvHeads: d.numKvHeads, headDim: d.headDim, dtype: graph.kvType },
          graph,
          d.vocabSize,
          256,
          variant.pageTokens,
        );
      });
      after(async () => {
        await session?.release();
      });

      it("prefill and 20 cached decode steps, one sequence", async () => {
        const prefill = await runner.prefill(1, golden.prompt.ids);
        assert.ok(maxAbsDiff(prefill.logits, golden.prefill.last_logits) < TOLERANCE, "prefill logits");
        let kv = prefill.kv;
        assert.equal(golden.steps.length, 20);
        for (const step of golden.steps) {
          assert.equal(kv.rows[0]!.length, step.position);
          const out = await runner.decode(kv, [step.input_id]);
          kv = out.kv;
          const diff = maxAbsDiff(out.logits[0]!, step.logits);
          assert.ok(diff < TOLERANCE, `step at position ${step.position}: max abs diff ${diff}`);
        }
      });

      it("a prompt prefilled in chunks gives the same logits and cache", async () => {
        const chunked = new DecoderRunner(
          runner.session,
          runner.layout,
          runner.graph,
          runner.vocabSize,
          4,
          variant.pageTokens,
        );
        const prefill = await chunked.prefill(1, golden.prompt.ids); // chunks of 4, 4 and 2 tokens
        assert.ok(maxAbsDiff(prefill.logits, golden.prefill.last_logits) < TOLERANCE);
        const step = golden.steps[0]!;
        const out = await chunked.decode(prefill.kv, [step.input_id]);
        assert.ok(maxAbsDiff(out.logits[0]!, step.logits) < TOLERANCE);
      });

      it("nextTokenLogits (zero-shot scoring) gives the prompt's golden last logits", async () => {
        const model = await loadCausalLM(variant.dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
        try {
          const logits = await model.nextTokenLogits(golden.prompt.ids);
          assert.ok(maxAbsDiff(logits, golden.prefill.last_logits) < TOLERANCE);
          assert.equal(model.stats().cachedSequences, 0);
        } finally {
          await model.dispose();
        }
      });

      it("tokenLogProbs (teacher forcing) gives the log-softmax of the golden logits, across chunks", async () => {
        const logSoftmaxAt = (row: readonly number[], index: number) => {
          const max = Math.max(...row);
          return row[index]! - max - Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
        };
        // Continuation = the 20 fed tokens, then the token the last step predicts.
        const continuation = [...golden.steps.map((s) => s.input_id), golden.steps.at(-1)!.next_token];
        const expected = [
          logSoftmaxAt(golden.prefill.last_logits, continuation[0]!),
          ...golden.steps.map((s, i) => logSoftmaxAt(s.logits, continuation[i + 1]!)),
        ];
        const chunked = new DecoderRunner(
          runner.session,
          runner.layout,
          runner.graph,
          runner.vocabSize,
          7,
          variant.pageTokens,
        );
        const got = await chunked.tokenLogProbs([...golden.prompt.ids, ...continuation], golden.prompt.ids.length);
        assert.equal(got.length, expected.length);
        got.forEach((lp, i) =>
          assert.ok(Math.abs(lp - expected[i]!) < TOLERANCE, `token ${i}: ${lp} vs ${expected[i]}`),
        );

        const model = await loadCausalLM(variant.dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
        try {
          const viaEngine = await model.tokenLogProbs(golden.prompt.ids, continuation);
          viaEngine.forEach((lp, i) => assert.ok(Math.abs(lp - expected[i]!) < TOLERANCE));
          await assert.rejects(model.tokenLogProbs(golden.prompt.ids, []), /needs a prompt and a continuation/);
          await assert.rejects(model.tokenLogProbs([1e9], [1]), /outside the vocabulary/);
        } finally {
          await model.dispose();
        }
      });

      it("the same 20 steps while left-padded in a batch with longer and shorter sequences", async () => {
        // Neighbours with other lengths force padding on both sides of the golden row's length.
        const longer = golden.prompts.map((p) => p.ids).find((ids) => ids.length > golden.prompt.ids.length) ?? [
          ...golden.prompt.ids,
          ...golden.prompt.ids,
        ];
        const shorter = golden.prompt.ids.slice(0, 3);
        const a = await runner.prefill(1, golden.prompt.ids);
        const b = await runner.prefill(2, longer);
        const c = await runner.prefill(3, shorter);
        let kv = (await runner.merge([{ kv: b.kv }, { kv: a.kv }, { kv: c.kv }]))!;
        let bNext = b.logits.indexOf(Math.max(...b.logits));
        let cNext = c.logits.indexOf(Math.max(...c.logits));
        for (const [i, step] of golden.steps.slice(0, 10).entries()) {
          const out = await runner.decode(kv, [bNext, step.input_id, cNext]);
          kv = out.kv;
          const diff = maxAbsDiff(out.logits[1]!, step.logits);
          assert.ok(diff < TOLERANCE, `batched step ${i}: max abs diff ${diff}`);
          bNext = out.logits[0]!.indexOf(Math.max(...out.logits[0]!));
          cNext = out.logits[2]!.indexOf(Math.max(...out.logits[2]!));
        }
        // Half way the longest neighbour leaves: the pack is rebuilt (and trimmed) and must stay right.
        kv = (await kv.without(new Set([2])))!;
        assert.deepEqual(
          kv.rows.map((r) => r.id),
          [1, 3],
        );
        // Continue with the two remaining rows.
        for (const step of golden.steps.slice(10)) {
          const out = await runner.decode(kv, [step.input_id, cNext]);
          kv = out.kv;
          const diff = maxAbsDiff(out.logits[0]!, step.logits);
          assert.ok(diff < TOLERANCE, `step at position ${step.position} after a neighbour left: ${diff}`);
          cNext = out.logits[1]!.indexOf(Math.max(...out.logits[1]!));
        }
      });
    },
  );
