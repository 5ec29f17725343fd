// The same model folder in both KV layouts, for the benchmarks (decision 032): the folder as it
// is and a copy under .tmp/bench/layouts/ whose graph training/kv_layout.py converted to the other
// layout (same weights, same logits). Remade when the folder's graph is newer than the copy.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { kvOutputsOf } from "../server/inference/kv-layout";
import { readModelFolder } from "../server/inference/model-folder";
import { PYTHON } from "../server/inference/test-helpers";

export type Layout = "present" | "appended";
export const LAYOUTS: readonly Layout[] = ["present", "appended"];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The KV layout a folder's graph has (kv-layout.ts reads it off the output names). */
export async function layoutOf(dir: string): Promise<Layout> {
  const folder = await readModelFolder(dir);
  const session = await ort.InferenceSession.create(folder.onnxPath, { executionProviders: ["cpu"] });
  const outputs = kvOutputsOf(session.outputNames, folder.decoder!.numLayers);
  await session.release();
  if ("missing" in outputs) throw new Error(`${dir}: no KV outputs (${outputs.missing})`);
  return outputs.layout;
}

export async function bothLayouts(dirInput: string): Promise<Record<Layout, string>> {
  const dir = path.resolve(dirInput);
  const own = await layoutOf(dir);
  const other: Layout = own === "present" ? "appended" : "present";
  const copy = path.join(root, ".tmp", "bench", "layouts", `${path.basename(dir)}-${other}`);
  const source = path.join(dir, "onnx", "model.onnx");
  const target = path.join(copy, "onnx", "model.onnx");
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true, filter: (src) => !src.startsWith(path.join(dir, "onnx")) });
    mkdirSync(path.dirname(target), { recursive: true });
    process.stderr.write(
      `converting ${path.relative(root, dir)} to the ${other} layout in ${path.relative(root, copy)} …\n`,
    );
    const r = spawnSync(PYTHON, [path.join(root, "training", "kv_layout.py"), source, "--out", target, "--to", other], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) throw new Error("training/kv_layout.py failed (needs /usr/bin/python3 with onnx)");
  }
  return own === "present" ? { present: dir, appended: copy } : { present: copy, appended: dir };
}
