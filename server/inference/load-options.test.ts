import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { availableParallelism } from "node:os";
import { DEFAULT_INTRA_OP_THREADS, engineSettings } from "./load-options";

describe("engine settings", () => {
  it("defaults to auto, one core left to the event loop", () => {
    assert.equal(DEFAULT_INTRA_OP_THREADS, Math.max(1, availableParallelism() - 1));
    assert.deepEqual(engineSettings({}), {
      session: { device: "auto", kvOnDevice: true, intraOpNumThreads: DEFAULT_INTRA_OP_THREADS },
      scheduler: { maxConcurrent: 16, maxWaiting: 64, requestTimeoutMs: 300_000, prefillTokensPerStep: 1024 },
      prefillChunk: 256,
      defaultMaxNewTokens: 512,
    });
  });

  it("takes what is given and keeps the defaults for options given as undefined", () => {
    const settings = engineSettings({
      session: { device: "cpu", intraOpNumThreads: undefined, kvOnDevice: undefined },
      scheduler: { maxWaiting: 0, maxConcurrent: undefined },
      defaultMaxNewTokens: 8,
    });
    assert.deepEqual(settings.session, {
      device: "cpu",
      kvOnDevice: true,
      intraOpNumThreads: DEFAULT_INTRA_OP_THREADS,
    });
    assert.equal(settings.scheduler.maxWaiting, 0);
    assert.equal(settings.scheduler.maxConcurrent, 16);
    assert.equal(settings.defaultMaxNewTokens, 8);
  });

  it("keeps 0 intra-op threads: onnxruntime's own count", () => {
    assert.equal(engineSettings({ session: { intraOpNumThreads: 0 } }).session.intraOpNumThreads, 0);
  });
});
