// Loom against transformers.js on every decoder family fixture (each family transformers.js
// supports: llama, mistral, qwen2, phi3, gemma, gemma2, gpt2), external data included: same folder,
// same greedy tokens, and both equal to PyTorch's (golden.json).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadCausalLM } from "./engine";
import { familiesDir } from "./test-helpers";
import { loadPeerModel } from "./transformers-peer";

const quiet = { logger: { info() {}, warn() {} }, session: { device: "cpu" as const } };
const families = (() => {
  try {
    return readdirSync(familiesDir).sort();
  } catch {
    return [];
  }
})();

describe(
  "Loom vs transformers.js on the family fixtures",
  { skip: families.length === 0 && "no family fixtures" },
  () => {
    for (const family of families) {
      it(`${family}: greedy tokens identical for every golden prompt`, async () => {
        const dir = path.join(familiesDir, family);
        const golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as {
          external_data: string[];
          prompts: Array<{ ids: number[]; greedy_ids: number[] }>;
        };
        const loom = await loadCausalLM(dir, quiet);
        const peer = await loadPeerModel(dir, { externalDataFiles: golden.external_data.length });
        try {
          for (const p of golden.prompts) {
            const n = p.greedy_ids.length;
            const theirs = (await peer.greedy(p.ids, n, { minNewTokens: n })).ids;
            let ours: number[] = [];
            for await (const e of loom.generate({ promptIds: p.ids, maxNewTokens: n, temperature: 0, ignoreEos: true }))
              if (e.type === "finish") ours = e.tokenIds;
            assert.deepEqual(ours, theirs, "Loom and transformers.js");
            assert.deepEqual(ours, p.greedy_ids, "and PyTorch");
          }
        } finally {
          await peer.dispose();
          await loom.dispose();
        }
      });
    }
  },
);
