// A causal LM's session and its decoder runner, with the KV cache where it works. On CUDA the
// cache may stay in device memory between steps, but only if this onnxruntime binding accepts
// device-resident present.* back as past_key_values.* and can download them for repacking; that
// is proven once at load, and when it fails the session is reopened with the cache in host memory.

import { DecoderRunner } from "./decoder-runner";
import { checkDecoderGraph, type DecoderGraph } from "./graph-check";
import type { KvLayout } from "./kv-cache";
import type { ModelFolder } from "./model-folder";
import { checkSessionGraph, openModelSession } from "./model-session";
import type { CreatedSession, Logger, SessionSettings } from "./session";

export interface OpenedDecoder {
  created: CreatedSession;
  graph: DecoderGraph;
  runner: DecoderRunner;
}

export async function openDecoder(
  folder: ModelFolder,
  settings: SessionSettings,
  prefillChunk: number,
  id: string,
  logger: Logger | undefined,
): Promise<OpenedDecoder> {
  const shape = folder.decoder!;
  const presentNames = Array.from({ length: shape.numLayers }, (_, i) => [
    `present.${i}.key`,
    `present.${i}.value`,
  ]).flat();
  let created = await openModelSession(folder, settings, presentNames, logger);
  const graph = await checkSessionGraph(created, (session) => checkDecoderGraph(folder, session));
  const layout: KvLayout = {
    numLayers: shape.numLayers,
    numKvHeads: shape.numKvHeads,
    headDim: shape.headDim,
    dtype: graph.kvType,
  };
  const runnerOf = (c: CreatedSession) => new DecoderRunner(c.session, layout, graph, shape.vocabSize, prefillChunk);
  let runner = runnerOf(created);
  if (created.kvOnDevice) {
    // The appended layout appends present_new.* into host buffers the engine owns (kv-paged.ts).
    const problem =
      graph.kvLayout === "appended"
        ? "the appended KV layout keeps its cache in host memory"
        : await probeDeviceKv(runner);
    if (problem) {
      (logger ?? console).warn(`loom: ${id}: KV cache kept in host memory (${problem})`);
      await created.session.release();
      created = await openModelSession(folder, { ...settings, kvOnDevice: false }, presentNames, logger);
      runner = runnerOf(created);
    }
  }
  return { created, graph, runner };
}

/** Undefined when a device-resident KV cache works end to end, else what went wrong. */
async function probeDeviceKv(runner: DecoderRunner): Promise<string | undefined> {
  try {
    const first = await runner.prefill(0, [0, 0]);
    const second = await runner.prefill(1, [0]);
    const joined = await runner.merge([{ kv: first.kv }, { kv: second.kv }]);
    const step = await runner.decode(joined!, [0, 0]);
    const left = await step.kv.without(new Set([1]));
    const again = await runner.decode(left!, [0]);
    again.kv.dispose();
    first.kv.dispose();
    second.kv.dispose();
    return undefined;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}
