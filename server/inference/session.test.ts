// Device choice without a GPU: each requested device falls back to the CPU with its reason, the
// fallback is logged once per process and kept for /healthz. On a host where an accelerator does
// start, the matching case is skipped (it cannot fall back there). WebGPU with the KV cache on the
// device (preferredOutputLocation 'gpu-buffer') cannot run here: no adapter; it is exercised only
// by the probe in decoder-session.ts on a GPU host.

import assert from "node:assert/strict";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { deviceFallbacks, resetFallbackLogForTests } from "./device-report";
import { loadCausalLM } from "./engine";
import { loadCausalLM as loadInWorker } from "./loader";
import { acceleratorsFor, createSession, type DeviceSetting } from "./session";
import { fixtureMissing, tinyLlamaDir } from "./test-helpers";

const onnx = path.join(tinyLlamaDir, "onnx", "model.onnx");
const quiet = { info() {}, warn() {} };

/** The device a setting gets on this host, or undefined when it cannot start here. */
async function startsHere(device: "cuda" | "webgpu"): Promise<boolean> {
  const s = await createSession(onnx, { device, kvOnDevice: false }, { logger: quiet });
  await s.session.release();
  return s.device === device;
}

describe("device choice and fallback", { skip: fixtureMissing(tinyLlamaDir) }, () => {
  beforeEach(() => resetFallbackLogForTests());

  it("tries CUDA then WebGPU for auto, one accelerator for cuda or webgpu, none for cpu", () => {
    assert.deepEqual(acceleratorsFor("auto"), ["cuda", "webgpu"]);
    assert.deepEqual(acceleratorsFor("cuda"), ["cuda"]);
    assert.deepEqual(acceleratorsFor("webgpu"), ["webgpu"]);
    assert.deepEqual(acceleratorsFor("cpu"), []);
  });

  const cases: Array<{ device: DeviceSetting; reason: RegExp; needs: Array<"cuda" | "webgpu"> }> = [
    { device: "cuda", reason: /^cuda: libonnxruntime_providers_cuda\.so is not installed/, needs: ["cuda"] },
    { device: "webgpu", reason: /^webgpu: .*adapter/i, needs: ["webgpu"] },
    { device: "auto", reason: /^cuda: .+; webgpu: .*adapter/i, needs: ["cuda", "webgpu"] },
  ];
  for (const { device, reason, needs } of cases) {
    it(`LOOM_DEVICE=${device} without it falls back to the CPU and says why`, async (t) => {
      for (const accelerator of needs)
        if (await startsHere(accelerator)) return t.skip(`${accelerator} starts on this host`);
      const s = await createSession(onnx, { device, kvOnDevice: true }, { kvOutputNames: ["present.0.key"] });
      assert.equal(s.device, "cpu");
      assert.match(s.fallbackReason ?? "", reason);
      assert.equal(s.kvOnDevice, false);
      // The CPU session it fell back to works.
      assert.ok(s.session.inputNames.includes("input_ids"));
      await s.session.release();
    });
  }

  it("cpu is used as asked, with no reason", async () => {
    const s = await createSession(onnx, { device: "cpu", kvOnDevice: true });
    assert.equal(s.device, "cpu");
    assert.equal(s.fallbackReason, undefined);
    await s.session.release();
  });

  it("a loaded model shows the fallback; it is logged once per process, in a worker or not", async (t) => {
    if ((await startsHere("cuda")) || (await startsHere("webgpu"))) return t.skip("an accelerator starts here");
    const logged: string[] = [];
    const logger = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
    const options = { session: { device: "webgpu" as const }, logger };
    const inThread = await loadCausalLM(tinyLlamaDir, options);
    const inWorker = await loadInWorker(tinyLlamaDir, options);
    try {
      for (const model of [inThread, inWorker]) {
        assert.equal(model.device, "cpu");
        assert.match(model.fallbackReason ?? "", /^webgpu: /);
      }
      const fallbacks = logged.filter((m) => m.includes("LOOM_DEVICE="));
      assert.equal(fallbacks.length, 1, fallbacks.join("\n"));
      assert.match(fallbacks[0]!, /LOOM_DEVICE=webgpu but webgpu could not start, using CPU: webgpu: /);
      assert.deepEqual(
        deviceFallbacks().map((f) => [f.requested, f.used]),
        [["webgpu", "cpu"]],
      );
    } finally {
      await Promise.all([inThread.dispose(), inWorker.dispose()]);
    }
  });
});
