// The onnxruntime-genai builder's layout (genai_config.json, model.onnx with
// com.microsoft.GroupQueryAttention, no position_ids): the fixture (the llama family fixture's
// weights rebuilt in that layout by training/make_family_fixtures.py) loads, gives the llama
// golden logits, and generates PyTorch's greedy ids through the engine; what Loom cannot feed is
// refused naming the genai_config.json key.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { DecoderRunner } from "./decoder-runner";
import { loadCausalLM } from "./engine";
import { ModelFolderError } from "./errors";
import { checkDecoderGraph } from "./graph-check";
import { readModelFolder } from "./model-folder";
import { fixturesDir } from "./test-helpers";

const genaiDir = path.join(fixturesDir, "genai-llama");
const skip = existsSync(path.join(genaiDir, "genai_config.json")) ? undefined : `fixture ${genaiDir} is absent`;
const temps: string[] = [];

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function editedCopy(edit: (genai: { model: Record<string, unknown> & { decoder: Record<string, unknown> } }) => void) {
  const root = mkdtempSync(path.join(os.tmpdir(), "loom-genai-"));
  temps.push(root);
  const dir = path.join(root, "m");
  cpSync(genaiDir, dir, { recursive: true });
  const file = path.join(dir, "genai_config.json");
  const json = JSON.parse(readFileSync(file, "utf8"));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
  return dir;
}

async function refusal(dir: string): Promise<ModelFolderError> {
  try {
    await readModelFolder(dir);
  } catch (e) {
    assert.ok(e instanceof ModelFolderError, String(e));
    return e;
  }
  assert.fail("expected a ModelFolderError");
}

describe("onnxruntime-genai layout", { skip }, () => {
  after(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });
  const golden = () => JSON.parse(readFileSync(path.join(genaiDir, "golden.json"), "utf8"));

  it("genai_config.json gives the decoder shape; the graph is the top-level model.onnx", async () => {
    const folder = await readModelFolder(genaiDir);
    assert.equal(folder.kind, "causal-lm");
    assert.equal(folder.onnxFile, "model.onnx");
    assert.equal(folder.variant, "genai");
    assert.deepEqual(folder.decoder, {
      numLayers: 2,
      numAttentionHeads: 2,
      numKvHeads: 1,
      headDim: 16,
      hiddenSize: 32,
      vocabSize: 320,
      maxPositions: 256,
    });
    assert.ok(folder.generation.eosTokenIds.length > 0);
  });

  it("GroupQueryAttention graph: prefill and cached steps within 1e-4 of the llama golden logits", async () => {
    const g = golden();
    const folder = await readModelFolder(genaiDir);
    const session = await ort.InferenceSession.create(folder.onnxPath, { executionProviders: ["cpu"] });
    try {
      const graph = checkDecoderGraph(folder, session);
      assert.equal(graph.hasPositionIds, false);
      const d = folder.decoder!;
      const runner = new DecoderRunner(
        session,
        { numLayers: d.numLayers, numKvHeads: d.numKvHeads, headDim: d.headDim, dtype: graph.kvType },
        graph,
        d.vocabSize,
        4, // prefill in chunks: GroupQueryAttention with a non-empty past and several new tokens
      );
      const prefill = await runner.prefill(1, g.prompt.ids);
      assert.ok(maxAbsDiff(prefill.logits, g.prefill.last_logits) < 1e-4, "prefill");
      let kv = prefill.kv;
      for (const step of g.steps) {
        const out = await runner.decode(kv, [step.input_id]);
        kv = out.kv;
        const diff = maxAbsDiff(out.logits[0]!, step.logits);
        assert.ok(diff < 1e-4, `step at ${step.position}: ${diff}`);
      }
    } finally {
      await session.release();
    }
  });

  it("through the engine: PyTorch's greedy ids for every prompt, one sequence at a time", async () => {
    const warnings: string[] = [];
    const model = await loadCausalLM(genaiDir, {
      session: { device: "cpu" },
      logger: { info() {}, warn: (m: string) => warnings.push(m) },
    });
    try {
      assert.ok(warnings.some((w) => /no position_ids input; decoding one sequence at a time/.test(w)));
      for (const p of golden().prompts as Array<{ ids: number[]; greedy_ids: number[] }>) {
        let ids: number[] = [];
        for await (const e of model.generate({
          promptIds: p.ids,
          maxNewTokens: p.greedy_ids.length,
          temperature: 0,
          ignoreEos: true,
        }))
          if (e.type === "finish") ids = e.tokenIds;
        assert.deepEqual(ids, p.greedy_ids);
      }
    } finally {
      await model.dispose();
    }
  });

  it("refuses, naming the key, I/O names Loom does not feed, multi-part models and a missing graph", async () => {
    const renamed = await refusal(
      editedCopy((j) => {
        (j.model.decoder.inputs as Record<string, string>).past_key_names = "past_%d_key";
      }),
    );
    assert.equal(renamed.file, "genai_config.json");
    assert.match(
      renamed.message,
      /"model.decoder.inputs.past_key_names" is "past_%d_key"; Loom feeds and reads "past_key_values.%d.key"/,
    );
    const vision = await refusal(
      editedCopy((j) => {
        j.model.vision = { filename: "vision.onnx" };
      }),
    );
    assert.match(vision.message, /multi-part model \("model.vision"\)/);
    const missing = await refusal(
      editedCopy((j) => {
        j.model.decoder.filename = "decoder.onnx";
      }),
    );
    assert.equal(missing.file, "decoder.onnx");
    const outside = await refusal(
      editedCopy((j) => {
        j.model.decoder.filename = "../model.onnx";
      }),
    );
    assert.match(outside.message, /inside the folder/);
  });
});
