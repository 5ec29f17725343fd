// Golden logits of a decoder through Loom's runner: a fixed prompt's prefill and a few greedy
// decode steps, as base64 float32 (a third of JSON numbers' size). Written once from graphs in
// the standard layout, before training/kv_layout.py converts them in place:
//
//   npx tsx server/inference/kv-golden.ts DIR... > server/inference/__fixtures__/shipped-kv-golden.json
//
// (that is how the shipped models' file was made, decision 032); kv-layout.test.ts then checks
// the converted graphs reproduce them (< 1e-5).

import path from "node:path";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { DecoderRunner } from "./decoder-runner";
import { checkDecoderGraph } from "./graph-check";
import { readModelFolder } from "./model-folder";
import { LoomTokenizer } from "./tokenizer";

export interface KvGolden {
  promptIds: number[];
  /** Tokens fed by the decode steps (greedy picks), in order. */
  fedIds: number[];
  /** Prefill's last logits, then each decode step's, base64 little-endian float32. */
  logits: string[];
}

export const GOLDEN_PROMPT = "Once upon a time, in a small town by the river, there lived a weaver named Mira.";

export function encodeLogits(row: Float32Array): string {
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString("base64");
}

export function decodeLogits(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function openRunner(dir: string, pageTokens?: number) {
  const folder = await readModelFolder(dir);
  const session = await ort.InferenceSession.create(folder.onnxPath, { executionProviders: ["cpu"] });
  const graph = checkDecoderGraph(folder, session);
  const d = folder.decoder!;
  const runner = new DecoderRunner(
    session,
    { numLayers: d.numLayers, numKvHeads: d.numKvHeads, headDim: d.headDim, dtype: graph.kvType },
    graph,
    d.vocabSize,
    256,
    pageTokens,
  );
  return { folder, session, graph, runner };
}

const argmax = (row: Float32Array) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
};

/** Prefill `promptIds` and run `steps` greedy decode steps; every logits row. */
export async function goldenRun(runner: DecoderRunner, promptIds: number[], steps: number): Promise<KvGolden> {
  const prefill = await runner.prefill(1, promptIds);
  const rows = [prefill.logits.slice()];
  const fedIds: number[] = [];
  let kv = prefill.kv;
  for (let i = 0; i < steps; i++) {
    const next = argmax(rows.at(-1)!);
    fedIds.push(next);
    const out = await runner.decode(kv, [next]);
    kv = out.kv;
    rows.push(out.logits[0]!.slice());
  }
  kv.dispose();
  return { promptIds, fedIds, logits: rows.map(encodeLogits) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out: Record<string, KvGolden & { kvLayout: string }> = {};
  for (const dir of process.argv.slice(2)) {
    const { folder, session, graph, runner } = await openRunner(dir);
    const tokenizer = new LoomTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    const golden = await goldenRun(runner, tokenizer.encodeUntrusted(GOLDEN_PROMPT), 4);
    out[path.basename(path.resolve(dir))] = { kvLayout: graph.kvLayout, ...golden };
    await session.release();
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
}
