import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { engineOptionsFromEnv, loadConfig } from "./config";

describe("engine options from the environment", () => {
  it("leaves what is unset to the engine's defaults", () => {
    const options = engineOptionsFromEnv({});
    assert.deepEqual(
      Object.values(options.session!).filter((v) => v !== undefined),
      [],
    );
    assert.deepEqual(
      Object.values(options.scheduler!).filter((v) => v !== undefined),
      [],
    );
    assert.equal(options.prefillChunk, undefined);
    assert.equal(options.defaultMaxNewTokens, undefined);
  });

  it("reads LOOM_DEVICE, thread counts, optimisation level and KV placement", () => {
    assert.deepEqual(
      engineOptionsFromEnv({
        LOOM_DEVICE: "CPU",
        LOOM_INTRA_OP_THREADS: "2",
        LOOM_INTER_OP_THREADS: "1",
        LOOM_GRAPH_OPTIMIZATION: "basic",
        LOOM_KV_ON_DEVICE: "0",
      }).session,
      { device: "cpu", intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "basic", kvOnDevice: false },
    );
    for (const device of ["cuda", "webgpu", "auto"])
      assert.equal(engineOptionsFromEnv({ LOOM_DEVICE: device.toUpperCase() }).session?.device, device);
    // 0 threads: onnxruntime's own count (session.ts passes none); unset: the engine's default.
    assert.equal(engineOptionsFromEnv({ LOOM_INTRA_OP_THREADS: "0" }).session!.intraOpNumThreads, 0);
    assert.equal(engineOptionsFromEnv({}).session!.intraOpNumThreads, undefined);
  });

  it("reads the batching limits, prefill sizes and the default cap on new tokens", () => {
    const options = engineOptionsFromEnv({
      LOOM_MAX_CONCURRENT: "0",
      LOOM_MAX_WAITING: "0",
      LOOM_REQUEST_TIMEOUT_MS: "1000",
      LOOM_PREFILL_TOKENS_PER_STEP: "0",
      LOOM_PREFILL_CHUNK: "32",
      LOOM_MAX_NEW_TOKENS: "",
    });
    // At least one sequence and one prefill token per step; 0 waiting means none may queue.
    assert.deepEqual(options.scheduler, {
      maxConcurrent: 1,
      maxWaiting: 0,
      requestTimeoutMs: 1000,
      prefillTokensPerStep: 1,
    });
    assert.equal(options.prefillChunk, 32);
    assert.equal(options.defaultMaxNewTokens, undefined, "an empty value counts as unset");
  });

  it("rejects values it does not understand, naming the variable", () => {
    assert.throws(
      () => engineOptionsFromEnv({ LOOM_DEVICE: "tpu" }),
      /LOOM_DEVICE must be cpu, cuda, webgpu or auto, got "tpu"/,
    );
    assert.throws(
      () => engineOptionsFromEnv({ LOOM_INTRA_OP_THREADS: "two" }),
      /LOOM_INTRA_OP_THREADS must be a non-negative integer, got "two"/,
    );
    assert.throws(() => engineOptionsFromEnv({ LOOM_GRAPH_OPTIMIZATION: "max" }), /LOOM_GRAPH_OPTIMIZATION/);
    assert.throws(() => engineOptionsFromEnv({ LOOM_MAX_WAITING: "-1" }), /LOOM_MAX_WAITING/);
  });
});

describe("the HTTP server's keep-alive", () => {
  it("outlives a load balancer's 60 s idle timeout by default, and refuses a value under a second", () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "loom-config-"));
    try {
      assert.equal(loadConfig({ LOOM_DATA_DIR: dataDir }).keepAliveTimeoutMs, 65_000);
      assert.equal(
        loadConfig({ LOOM_DATA_DIR: dataDir, LOOM_KEEP_ALIVE_TIMEOUT_MS: "120000" }).keepAliveTimeoutMs,
        120_000,
      );
      assert.throws(
        () => loadConfig({ LOOM_DATA_DIR: dataDir, LOOM_KEEP_ALIVE_TIMEOUT_MS: "500" }),
        /LOOM_KEEP_ALIVE_TIMEOUT_MS/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
