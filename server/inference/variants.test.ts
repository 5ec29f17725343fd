// Which ONNX file a folder loads: the device's order over the variants present, config.json's
// loom.onnx_variant over that, and a clear error naming the file when the choice is not there.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadCausalLM } from "./engine";
import { loadCausalLM as loadCausalLMInWorker } from "./loader";
import { ModelFolderError } from "./errors";
import { readModelFolder } from "./model-folder";
import { familiesDir, fixtureMissing } from "./test-helpers";
import { chooseVariant, presentVariants } from "./variants";

const temps: string[] = [];
function folderWith(files: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loom-variants-"));
  temps.push(dir);
  mkdirSync(path.join(dir, "onnx"));
  for (const f of files) writeFileSync(path.join(dir, "onnx", f), "");
  return dir;
}

function thrown(fn: () => unknown): ModelFolderError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ModelFolderError, String(e));
    return e;
  }
  assert.fail("expected a ModelFolderError");
}

const llamaDir = path.join(familiesDir, "llama");

describe("ONNX variants", () => {
  after(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it("CPU (and auto) prefer fp32, then int8, then q4; GPUs prefer fp16", () => {
    const all = folderWith(["model.onnx", "model_fp16.onnx", "model_int8.onnx", "model_q4.onnx"]);
    assert.equal(chooseVariant(all, {}, "cpu").file, "onnx/model.onnx");
    assert.equal(chooseVariant(all, {}, "auto").file, "onnx/model.onnx");
    assert.equal(chooseVariant(all, {}).variant, "fp32");
    assert.equal(chooseVariant(all, {}, "webgpu").file, "onnx/model_fp16.onnx");
    assert.equal(chooseVariant(all, {}, "cuda").variant, "fp16");
    assert.deepEqual(presentVariants(all), ["fp32", "fp16", "int8", "q4"]);

    const quantOnly = folderWith(["model_q4.onnx", "model_quantized.onnx", "model_fp16.onnx"]);
    assert.equal(chooseVariant(quantOnly, {}, "cpu").file, "onnx/model_quantized.onnx");
    assert.equal(chooseVariant(quantOnly, {}, "cpu").variant, "int8");
    assert.equal(chooseVariant(quantOnly, {}, "webgpu").file, "onnx/model_fp16.onnx");
    const q4AndHalf = folderWith(["model_q4.onnx", "model_fp16.onnx"]);
    assert.equal(chooseVariant(q4AndHalf, {}, "cpu").variant, "q4");
    assert.match(chooseVariant(q4AndHalf, {}, "cpu").reason, /first present for cpu \(fp32 → int8/);
  });

  it("config.json loom.onnx_variant overrides the order, and must name a present, known variant", () => {
    const all = folderWith(["model.onnx", "model_fp16.onnx", "model_q4.onnx"]);
    const chosen = chooseVariant(all, { loom: { onnx_variant: "q4" } }, "cpu");
    assert.equal(chosen.file, "onnx/model_q4.onnx");
    assert.match(chosen.reason, /loom.onnx_variant/);
    assert.equal(chooseVariant(all, { loom: { onnx_variant: "fp32" } }, "webgpu").file, "onnx/model.onnx");

    const missing = thrown(() => chooseVariant(all, { loom: { onnx_variant: "int8" } }));
    assert.equal(missing.file, "onnx/model_int8.onnx");
    assert.match(missing.message, /asks for int8 .*present: fp32, fp16, q4/);
    const unknown = thrown(() => chooseVariant(all, { loom: { onnx_variant: "fp8" } }));
    assert.equal(unknown.file, "config.json");
    assert.match(unknown.message, /expected one of fp32, fp16/);

    const none = thrown(() => chooseVariant(folderWith([]), {}));
    assert.match(none.message, /looked for onnx\/model.onnx, onnx\/model_int8.onnx/);
  });

  it("readModelFolder orders by the device a load asks for", { skip: fixtureMissing(llamaDir) }, async () => {
    assert.equal((await readModelFolder(llamaDir)).onnxFile, "onnx/model.onnx");
    const onGpu = await readModelFolder(llamaDir, { device: "webgpu" });
    assert.equal(onGpu.onnxFile, "onnx/model_fp16.onnx");
    assert.equal(onGpu.variant, "fp16");
  });

  it(
    "a folder whose config picks q4 loads that file, in this thread and in a worker, and gives its logits",
    {
      skip: fixtureMissing(llamaDir),
    },
    async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), "loom-variants-"));
      temps.push(root);
      const dir = path.join(root, "llama-q4");
      cpSync(llamaDir, dir, { recursive: true });
      const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
      writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, loom: { onnx_variant: "q4" } }));
      const golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8"));
      // In this thread, and in a worker thread of its own (the server's way: it reads the folder again).
      for (const load of [loadCausalLM, loadCausalLMInWorker]) {
        const model = await load(dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
        try {
          assert.equal(model.folder.onnxFile, "onnx/model_q4.onnx");
          const logits = await model.nextTokenLogits(golden.prompt.ids);
          const reference: number[] = golden.quantized_references.q4.prefill;
          const diff = Math.max(...reference.map((x, i) => Math.abs(x - logits[i]!)));
          assert.ok(diff < 1e-4, `q4 logits vs dequantised reference: ${diff}`);
        } finally {
          await model.dispose();
        }
      }
    },
  );
});
