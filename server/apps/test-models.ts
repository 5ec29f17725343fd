// For tests and benches: every causal LM Loom ships (models/) and the engine's fixture models,
// loaded on the CPU, so that prompt fitting is checked with each one's real tokenizer and template.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCausalLM, type LoadedCausalLM } from "../inference";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Folders of the causal LMs in models/ and server/inference/__fixtures__/. */
export function causalModelDirs(): string[] {
  const folders = ["models", "server/inference/__fixtures__"].flatMap((parent) =>
    readdirSync(path.join(root, parent)).map((name) => path.join(root, parent, name)),
  );
  return folders.filter((dir) => {
    const config = path.join(dir, "config.json");
    if (!existsSync(config)) return false;
    const architectures = (JSON.parse(readFileSync(config, "utf8")) as { architectures?: string[] }).architectures;
    return architectures?.some((a) => a.endsWith("ForCausalLM")) ?? false;
  });
}

export async function loadCausalModels(): Promise<LoadedCausalLM[]> {
  return Promise.all(causalModelDirs().map((dir) => loadCausalLM(dir, { session: { device: "cpu" } })));
}
