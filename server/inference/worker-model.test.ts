// A causal LM in its worker thread (worker-model.ts) against the same model in this thread
// (engine.ts): the same greedy tokens alone and batched, the same synchronous refusals, aborts
// that free the slot at once, and a worker that crashes, exits or runs out of memory: its
// requests fail with MODEL_CRASHED, this thread carries on, and the next request restarts it.
// The faults are injected through a test hook (a message the worker obeys): nothing else here
// can make onnxruntime crash on demand.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCausalLM as loadInThread } from "./engine";
import { BusyError, InvalidRequestError, ModelCrashedError, ModelDisposedError } from "./errors";
import type { GenerateRequest, GenerationEvent, LoadedCausalLM } from "./loaded-model";
import { loadCausalLM } from "./loader";
import { fixtureMissing, tinyLlamaDir } from "./test-helpers";
import { injectWorkerFaultForTests, type WorkerModelOptions } from "./worker-model";

const quiet = { info() {}, warn() {} };
const cpu = { session: { device: "cpu" as const }, logger: quiet };

type Finish = Extract<GenerationEvent, { type: "finish" }>;

async function run(model: LoadedCausalLM, request: GenerateRequest): Promise<Finish> {
  let finish: Finish | undefined;
  let text = "";
  for await (const e of model.generate(request)) {
    if (e.type === "delta") text += e.text;
    else finish = e;
  }
  assert.equal(finish!.text, text, "the deltas add up to the finish text");
  return finish!;
}

/** Reads until `n` deltas came, then hands back the iterator (the generation goes on). */
async function afterDeltas(model: LoadedCausalLM, request: GenerateRequest, n: number) {
  const iterator = model.generate(request)[Symbol.asyncIterator]();
  for (let seen = 0; seen < n;) if ((await iterator.next()).value?.type === "delta") seen++;
  return iterator;
}

async function rest(iterator: AsyncIterator<GenerationEvent>): Promise<void> {
  for (;;) if ((await iterator.next()).done) return;
}

const long: GenerateRequest = { prompt: "Once upon a time", maxNewTokens: 400, ignoreEos: true };

describe("causal LM in a worker thread", { skip: fixtureMissing(tinyLlamaDir) }, () => {
  let inThread: LoadedCausalLM;
  let inWorker: LoadedCausalLM;
  let golden: { prompts: Array<{ ids: number[]; greedy_ids: number[] }> };

  before(async () => {
    golden = JSON.parse(readFileSync(path.join(tinyLlamaDir, "golden.json"), "utf8"));
    [inThread, inWorker] = await Promise.all([loadInThread(tinyLlamaDir, cpu), loadCausalLM(tinyLlamaDir, cpu)]);
  });
  after(async () => {
    await Promise.all([inThread?.dispose(), inWorker?.dispose()]);
  });

  it("gives the in-thread engine's greedy tokens, alone and all prompts batched together", async () => {
    for (const p of golden.prompts) {
      const request = { promptIds: p.ids, maxNewTokens: 24 };
      const [ours, reference] = await Promise.all([run(inWorker, request), run(inThread, request)]);
      assert.deepEqual(ours.tokenIds, reference.tokenIds);
      assert.deepEqual(ours.tokenIds.slice(0, p.greedy_ids.length), p.greedy_ids, "and PyTorch's");
      assert.equal(ours.text, reference.text);
    }
    const before = inWorker.stats().maxBatchSize;
    const batched = await Promise.all(golden.prompts.map((p) => run(inWorker, { promptIds: p.ids, maxNewTokens: 24 })));
    batched.forEach((b, i) => assert.deepEqual(b.tokenIds.slice(0, 11), golden.prompts[i]!.greedy_ids));
    assert.ok(inWorker.stats().maxBatchSize >= Math.max(2, before), "they shared decode steps");
    assert.ok(batched[0]!.timings.timeToFirstTokenMs > 0 && batched[0]!.timings.totalMs > 0);
  });

  it("refuses bad requests synchronously, as the in-thread engine does", () => {
    for (const model of [inThread, inWorker]) {
      assert.throws(() => model.generate({ promptIds: [] }), InvalidRequestError);
      assert.throws(() => model.generate({ prompt: "x", maxNewTokens: 0 }), /maxNewTokens must be a positive integer/);
      assert.throws(
        () => model.generate({ promptIds: new Array(model.maxPositions).fill(1) }),
        (e: InvalidRequestError) => e.httpStatus === 413,
      );
      assert.throws(() => model.generate({ promptIds: [1e9] }), /outside the vocabulary/);
    }
  });

  it("scores the next token and teacher-forced log-probabilities like the in-thread engine", async () => {
    const ids = golden.prompts[0]!.ids;
    const [a, b] = await Promise.all([inWorker.nextTokenLogits(ids), inThread.nextTokenLogits(ids)]);
    assert.deepEqual(Array.from(a), Array.from(b));
    const [c, d] = await Promise.all([
      inWorker.tokenLogProbs(ids.slice(0, 4), ids.slice(4)),
      inThread.tokenLogProbs(ids.slice(0, 4), ids.slice(4)),
    ]);
    assert.deepEqual(c, d);
    await assert.rejects(inWorker.tokenLogProbs(ids, []), /needs a prompt and a continuation/);
  });

  it("an abort ends the request and frees its slot at once; the worker carries on", async () => {
    const controller = new AbortController();
    const iterator = await afterDeltas(inWorker, { ...long, signal: controller.signal }, 3);
    assert.equal(inWorker.stats().active, 1);
    controller.abort();
    assert.equal(inWorker.stats().active, 0, "the slot is free at once");
    await assert.rejects(rest(iterator), { name: "AbortError" });
    // Leaving the loop early aborts too.
    const left = await afterDeltas(inWorker, long, 2);
    await left.return!();
    assert.equal(inWorker.stats().active, 0);
    const after = await run(inWorker, { promptIds: golden.prompts[1]!.ids, maxNewTokens: 11 });
    assert.deepEqual(after.tokenIds, golden.prompts[1]!.greedy_ids);
  });

  it("throws BusyError synchronously when the queue is full", async () => {
    const small = await loadCausalLM(tinyLlamaDir, { ...cpu, scheduler: { maxConcurrent: 1, maxWaiting: 1 } });
    try {
      const controller = new AbortController();
      const first = small.generate({ ...long, signal: controller.signal });
      const second = small.generate({ ...long, signal: controller.signal });
      assert.throws(
        () => small.generate(long),
        (e: BusyError) => e instanceof BusyError && e.retryAfterSeconds >= 1,
      );
      assert.equal(small.stats().rejected, 1);
      controller.abort();
      await Promise.all([first, second].map((g) => assert.rejects(rest(g[Symbol.asyncIterator]()))));
    } finally {
      await small.dispose();
    }
  });

  it("a request's queue group crosses to the worker: a translation waiting behind chats goes first", async () => {
    // Decision 034 in the server's setting: the scheduler runs in the worker, so the group must
    // travel with the request. Two chats hold both slots; a chat, then a translation, wait.
    const small = await loadCausalLM(tinyLlamaDir, { ...cpu, scheduler: { maxConcurrent: 2, maxWaiting: 4 } });
    try {
      const started: string[] = [];
      const job = (name: string, queueGroup: string, maxNewTokens: number) =>
        run(small, { ...long, maxNewTokens, queueGroup, onStart: () => started.push(name) });
      const holding = [job("chat 0", "chat", 30), job("chat 1", "chat", 60)];
      while (started.length < 2) await new Promise((r) => setTimeout(r, 5));
      const waiting = [job("chat 2", "chat", 4), job("translation", "translate", 4)];
      await Promise.all([...holding, ...waiting]);
      assert.deepEqual(started.slice(2), ["translation", "chat 2"]);
    } finally {
      await small.dispose();
    }
  });

  for (const fault of ["throw", "exit"] as const) {
    it(`a worker that dies (${fault}) mid-generation fails its requests with MODEL_CRASHED and restarts on next use`, async () => {
      const model = await loadCausalLM(tinyLlamaDir, cpu);
      try {
        const running = await afterDeltas(model, long, 2);
        const queued = model.generate(long)[Symbol.asyncIterator]();
        injectWorkerFaultForTests(model, fault);
        for (const iterator of [running, queued])
          await assert.rejects(rest(iterator), (e: ModelCrashedError) => {
            assert.ok(e instanceof ModelCrashedError);
            assert.equal(e.code, "MODEL_CRASHED");
            assert.equal(e.httpStatus, 503);
            assert.match(e.message, fault === "throw" ? /fault injected by a test/ : /exited with code 70/);
            return true;
          });
        assert.equal(model.stats().active + model.stats().waiting, 0);
        // The next request starts a fresh worker and gets the right answer.
        const again = await run(model, { promptIds: golden.prompts[2]!.ids, maxNewTokens: 11 });
        assert.deepEqual(again.tokenIds, golden.prompts[2]!.greedy_ids);
      } finally {
        await model.dispose();
      }
    });
  }

  it("a worker that runs out of its heap (resourceLimits) fails its requests and restarts", async () => {
    const options: WorkerModelOptions = { ...cpu, workerResourceLimits: { maxOldGenerationSizeMb: 64 } };
    const model = await loadCausalLM(tinyLlamaDir, options);
    try {
      const running = await afterDeltas(model, long, 2);
      injectWorkerFaultForTests(model, "oom");
      await assert.rejects(rest(running), /stopped unexpectedly \(out of memory\)/);
      const again = await run(model, { promptIds: golden.prompts[0]!.ids, maxNewTokens: 11 });
      assert.deepEqual(again.tokenIds, golden.prompts[0]!.greedy_ids);
    } finally {
      await model.dispose();
    }
  });

  it("dispose fails what is in flight with MODEL_UNLOADED; later requests are refused", async () => {
    const model = await loadCausalLM(tinyLlamaDir, cpu);
    const running = await afterDeltas(model, long, 2);
    await model.dispose();
    await assert.rejects(rest(running), ModelDisposedError);
    assert.throws(() => model.generate(long), ModelDisposedError);
    await assert.rejects(model.nextTokenLogits([1, 2]), ModelDisposedError);
  });

  it("a folder the worker cannot load is refused with the folder's error", async () => {
    await assert.rejects(loadCausalLM(path.join(tinyLlamaDir, "no-such-folder"), cpu), { code: "MODEL_FOLDER" });
  });
});
