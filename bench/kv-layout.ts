// npm run bench:kv-layout [-- --model DIR --batches 1,8 --from 80 --steps 128 --runs 5 --pages 32]
//
// The two KV layouts of one model head to head (decision 032): bare decode steps (Loom's runner
// and KV cache only: no scheduler, sampling, text or worker) in one thread with one intra-op
// thread, the layouts taking turns run by run, CPU milliseconds per step (best and median) — the
// steadiest figure on a machine shared with other jobs, where wall-clock time mostly measures the
// neighbours. Each run prefills `batch` 16-token prompts, decodes to `--from` positions untimed,
// then times `--steps` steps. The folder's graph is converted to the other layout beside it, as
// bench/engine.ts does (needs /usr/bin/python3 with onnx). A benchmark: it prints, never fails.

import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { DecoderRunner } from "../server/inference/decoder-runner";
import { checkDecoderGraph } from "../server/inference/graph-check";
import type { KvBatch } from "../server/inference/kv-layout";
import { readModelFolder } from "../server/inference/model-folder";
import { bothLayouts } from "./layouts";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: "models/loom-chat" },
    batches: { type: "string", default: "1,8" },
    from: { type: "string", default: "80" },
    steps: { type: "string", default: "128" },
    runs: { type: "string", default: "5" },
    pages: { type: "string", default: "32" },
  },
});
const BATCHES = args.batches!.split(",").map(Number);
const PAGES = args.pages!.split(",").map(Number);

async function open(dir: string, pageTokens?: number): Promise<DecoderRunner> {
  const folder = await readModelFolder(dir);
  const session = await ort.InferenceSession.create(folder.onnxPath, {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
  });
  const graph = checkDecoderGraph(folder, session);
  const d = folder.decoder!;
  const layout = { numLayers: d.numLayers, numKvHeads: d.numKvHeads, headDim: d.headDim, dtype: graph.kvType };
  return new DecoderRunner(session, layout, graph, d.vocabSize, 256, pageTokens);
}

const dirs = await bothLayouts(args.model!);
const runners: Record<string, DecoderRunner> = { standard: await open(dirs.present) };
for (const p of PAGES) runners[`appended, ${p}-step pages`] = await open(dirs.appended, p);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const results = new Map<string, { cpu: number[]; wall: number[] }>();
for (let run = 0; run < Number(args.runs); run++)
  for (const batch of BATCHES)
    for (const [name, runner] of Object.entries(runners)) {
      const prompts = [];
      for (let b = 0; b < batch; b++)
        prompts.push(
          (
            await runner.prefill(
              b,
              Array.from({ length: 16 }, (_, i) => 10 + i + b),
            )
          ).kv,
        );
      let kv: KvBatch = (await runner.merge(prompts.map((k) => ({ kv: k }))))!;
      for (const k of prompts) k.dispose();
      const tokens = new Array<number>(batch).fill(5);
      while (kv.rows[0]!.length < Number(args.from)) kv = (await runner.decode(kv, tokens)).kv;
      const c = cpuMs();
      const t = performance.now();
      for (let i = 0; i < Number(args.steps); i++) kv = (await runner.decode(kv, tokens)).kv;
      const key = `| ${name} | ${batch} |`;
      const r = results.get(key) ?? { cpu: [], wall: [] };
      r.cpu.push((cpuMs() - c) / Number(args.steps));
      r.wall.push((performance.now() - t) / Number(args.steps));
      results.set(key, r);
      kv.dispose();
    }
for (const runner of Object.values(runners)) await runner.session.release();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number) => x.toFixed(3);
console.log(
  `Model ${args.model}; context ${args.from} → ${Number(args.from) + Number(args.steps)} positions; ${args.runs} runs; one intra-op thread`,
);
console.log("");
console.log("| KV layout | batch | CPU ms per step, best | median | wall ms per step, best | median |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [key, r] of results)
  console.log(
    `${key} ${f(Math.min(...r.cpu))} | ${f(median(r.cpu))} | ${f(Math.min(...r.wall))} | ${f(median(r.wall))} |`,
  );
