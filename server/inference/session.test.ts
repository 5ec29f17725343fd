import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { createSession, resetFallbackLogForTests } from "./session";
import { fixtureMissing, tinyLlamaDir } from "./test-helpers";

describe("device fallback", { skip: fixtureMissing(tinyLlamaDir) }, () => {
  const onnx = path.join(tinyLlamaDir, "onnx", "model.onnx");

  it("cuda without a usable CUDA provider falls back to CPU and says why, once", async (t) => {
    const created = await createSession(onnx, { device: "cpu", kvOnDevice: true });
    if (created.device !== "cpu") t.skip("unexpected device");
    await created.session.release();
    const probe = await createSession(
      onnx,
      { device: "cuda", kvOnDevice: false },
      { logger: { info() {}, warn() {} } },
    );
    if (probe.device === "cuda") {
      await probe.session.release();
      t.skip("this host has a working CUDA provider");
      return;
    }
    await probe.session.release();
    resetFallbackLogForTests();
    const logged: string[] = [];
    const logger = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
    for (const device of ["cuda", "auto"] as const) {
      const s = await createSession(onnx, { device, kvOnDevice: true }, { kvOutputNames: ["present.0.key"], logger });
      assert.equal(s.device, "cpu");
      assert.ok(s.fallbackReason && s.fallbackReason.length > 0);
      assert.equal(s.kvOnDevice, false);
      // The CPU session it fell back to works.
      assert.ok(s.session.inputNames.includes("input_ids"));
      await s.session.release();
    }
    assert.equal(logged.length, 1, "the reason is logged once per process");
    assert.match(logged[0]!, /LOOM_DEVICE=cuda .* using CPU/);
  });
});
