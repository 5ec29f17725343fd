// Every decoder family fixture (training/make_family_fixtures.py: llama, mistral, qwen2, phi3,
// gemma, gemma2, gpt2), in every layout and precision variant it ships, run by onnxruntime-node through
// Loom's own runner and KV cache, must give the logits PyTorch gave (golden.json): fp32 within
// 1e-4, the lower precisions within the bounds stated below.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { DecoderRunner } from "./decoder-runner";
import { loadCausalLM } from "./engine";
import { checkDecoderGraph } from "./graph-check";
import { PackedKv } from "./kv-cache";
import { readModelFolder, type ModelFolder } from "./model-folder";
import { familiesDir, fixtureMissing } from "./test-helpers";
import type { OnnxVariant } from "./variants";

interface Golden {
  family: string;
  variants: Partial<Record<OnnxVariant, string>>;
  external_data: string[];
  prompt: { ids: number[] };
  prefill: { last_logits: number[]; next_token: number };
  steps: Array<{ input_id: number; position: number; logits: number[]; next_token: number }>;
  prompts: Array<{ ids: number[]; greedy_ids: number[] }>;
  /** PyTorch with the variant's dequantised weights, fed the same ids as `steps`. */
  quantized_references: Partial<Record<OnnxVariant, { prefill: number[]; steps: number[][] }>>;
}

/**
 * Largest allowed |logit - fp32 golden| per variant, over the prefill and every cached step.
 * fp32 is the reference arithmetic (only summation order differs). The others were measured on
 * these fixtures (fp16 ≤ 0.0055, int8 ≤ 0.14, q4 ≤ 1.73; logits of std ~1) and bounded with margin:
 * fp16 rounds weights and the KV cache to 11 significant bits; int8 quantises weights per output
 * column and activations per tensor at run time; q4 keeps 4 bits a weight in blocks of 16, which
 * on 32-wide random matrices is coarse. The quantised variants' exactness is checked separately, to
 * 1e-4, against PyTorch computing as the graph should (golden.json "quantized_references"): q4 with
 * the same dequantised weights, int8 with the same dynamic quantisation of every matmul.
 */
const VARIANT_TOLERANCE: Record<OnnxVariant, number> = {
  fp32: 1e-4,
  fp16: 1e-2,
  int8: 0.25,
  quantized: 0.25,
  uint8: 0.25,
  q4: 2.5,
  q4f16: 2.5,
};

/** A quantised graph against PyTorch run with the same dequantised weights: float noise only. */
const REFERENCE_TOLERANCE = 1e-4;

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cache = new Map<string, Golden>();
function golden(family: string): Golden {
  let g = cache.get(family);
  if (!g) {
    g = JSON.parse(readFileSync(path.join(familiesDir, family, "golden.json"), "utf8")) as Golden;
    cache.set(family, g);
  }
  return g;
}

const families = (() => {
  try {
    return readdirSync(familiesDir).sort();
  } catch {
    return [];
  }
})();

async function openRunner(folder: ModelFolder, file: string) {
  const session = await ort.InferenceSession.create(path.join(folder.dir, file), { executionProviders: ["cpu"] });
  const graph = checkDecoderGraph({ ...folder, onnxFile: file }, session);
  const d = folder.decoder!;
  const runner = new DecoderRunner(
    session,
    { numLayers: d.numLayers, numKvHeads: d.numKvHeads, headDim: d.headDim, dtype: graph.kvType },
    graph,
    d.vocabSize,
  );
  return { session, graph, runner };
}

describe(
  "decoder families: golden logits through Loom's runner",
  { skip: families.length === 0 && "no family fixtures" },
  () => {
    it("covers the families and layouts the fixtures promise", () => {
      assert.deepEqual(families, ["gemma", "gemma2", "gpt2", "llama", "mistral", "phi3", "qwen2"]);
      const variants = new Set(families.flatMap((f) => Object.keys(golden(f).variants)));
      for (const v of ["fp32", "fp16", "int8", "quantized", "q4"]) assert.ok(variants.has(v), `a fixture has ${v}`);
      const external = families.map((f) => golden(f).external_data.length);
      assert.ok(external.includes(1) && external.includes(2), "one data file and several data files");
    });

    for (const family of families) {
      const dir = path.join(familiesDir, family);
      describe(family, { skip: fixtureMissing(dir) }, () => {
        const g = golden(family);
        for (const [variant, file] of Object.entries(g.variants) as Array<[OnnxVariant, string]>) {
          it(`${file}: prefill and ${g.steps.length} cached steps within ${VARIANT_TOLERANCE[variant]}`, async () => {
            const folder = await readModelFolder(dir);
            const { session, graph, runner } = await openRunner(folder, file);
            try {
              if (variant === "fp16" || variant === "q4f16") assert.equal(graph.kvType, "float16");
              const tol = VARIANT_TOLERANCE[variant];
              const ref = g.quantized_references[variant];
              const prefill = await runner.prefill(1, g.prompt.ids);
              const d0 = maxAbsDiff(prefill.logits, g.prefill.last_logits);
              assert.ok(d0 < tol, `prefill: max abs diff ${d0}`);
              if (ref)
                assert.ok(maxAbsDiff(prefill.logits, ref.prefill) < REFERENCE_TOLERANCE, "prefill vs dequantised");
              let kv = prefill.kv;
              for (const [i, step] of g.steps.entries()) {
                assert.equal(kv.rows[0]!.length, step.position);
                const out = await runner.decode(kv, [step.input_id]);
                kv = out.kv;
                const diff = maxAbsDiff(out.logits[0]!, step.logits);
                assert.ok(diff < tol, `step at position ${step.position}: max abs diff ${diff}`);
                if (ref) {
                  const r = maxAbsDiff(out.logits[0]!, ref.steps[i]!);
                  assert.ok(r < REFERENCE_TOLERANCE, `step at ${step.position} vs dequantised weights: ${r}`);
                }
              }
            } finally {
              await session.release();
            }
          });
        }

        it("left-padded in a batch beside a longer prompt, the golden row's logits stay within 1e-4", async () => {
          const folder = await readModelFolder(dir);
          const { session, runner } = await openRunner(folder, "onnx/model.onnx");
          try {
            const longer = [...g.prompt.ids, ...g.prompt.ids];
            const a = await runner.prefill(1, g.prompt.ids);
            const b = await runner.prefill(2, longer);
            let kv = (await PackedKv.merge(runner.layout, [{ kv: b.kv }, { kv: a.kv }]))!;
            let bNext = b.logits.indexOf(Math.max(...b.logits));
            for (const step of g.steps) {
              const out = await runner.decode(kv, [bNext, step.input_id]);
              kv = out.kv;
              const diff = maxAbsDiff(out.logits[1]!, step.logits);
              assert.ok(diff < 1e-4, `batched step at ${step.position}: ${diff}`);
              bNext = out.logits[0]!.indexOf(Math.max(...out.logits[0]!));
            }
          } finally {
            await session.release();
          }
        });

        it("through the engine (worker-free load, default variant): greedy ids equal PyTorch's for each prompt", async () => {
          const model = await loadCausalLM(dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
          try {
            assert.equal(model.folder.variant, "fp32");
            for (const p of g.prompts) {
              const ids: number[] = [];
              for await (const event of model.generate({
                promptIds: p.ids,
                maxNewTokens: p.greedy_ids.length,
                temperature: 0,
                ignoreEos: true,
              }))
                if (event.type === "finish") ids.push(...event.tokenIds);
              assert.deepEqual(ids, p.greedy_ids);
            }
          } finally {
            await model.dispose();
          }
        });
      });
    }
  },
);
