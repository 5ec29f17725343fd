import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineSettings } from "./load-options";

describe("engine settings", () => {
  it("defaults to auto with onnxruntime's own thread counts", () => {
    assert.deepEqual(engineSettings({}), {
      session: { device: "auto", kvOnDevice: true },
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
    assert.deepEqual(settings.session, { device: "cpu", kvOnDevice: true });
    assert.equal(settings.scheduler.maxWaiting, 0);
    assert.equal(settings.scheduler.maxConcurrent, 16);
    assert.equal(settings.defaultMaxNewTokens, 8);
  });
});
