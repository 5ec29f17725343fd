// Loom against transformers.js (the peer, local files only): same folder, same greedy tokens.
// And a real pretrained model: llama2.c's stories260K, converted at test time (never committed),
// must print its author's documented sample in both.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCausalLM } from "./engine";
import type { GenerateRequest, LoadedCausalLM } from "./loaded-model";
import { datasetsDir, fixtureMissing, PYTHON, repoRoot, tinyLlamaDir } from "./test-helpers";
import { loadPeerModel } from "./transformers-peer";

const quiet = { logger: { info() {}, warn() {} }, session: { device: "cpu" as const } };

async function loomGreedy(model: LoadedCausalLM, request: GenerateRequest): Promise<{ ids: number[]; text: string }> {
  for await (const e of model.generate(request)) if (e.type === "finish") return { ids: e.tokenIds, text: e.text };
  throw new Error("no finish");
}

describe("Loom vs transformers.js on the tiny-llama fixture", { skip: fixtureMissing(tinyLlamaDir) }, () => {
  it("greedy tokens are identical for every golden prompt", async () => {
    const golden = JSON.parse(readFileSync(path.join(tinyLlamaDir, "golden.json"), "utf8"));
    const loom = await loadCausalLM(tinyLlamaDir, quiet);
    const peer = await loadPeerModel(tinyLlamaDir);
    try {
      for (const p of golden.prompts as Array<{ ids: number[]; greedy_ids: number[] }>) {
        const n = 24;
        const theirs = (await peer.greedy(p.ids, n)).ids;
        const ours = await loomGreedy(loom, { promptIds: p.ids, maxNewTokens: n });
        assert.deepEqual(ours.ids, theirs);
        assert.deepEqual(ours.ids.slice(0, p.greedy_ids.length), p.greedy_ids, "and PyTorch's");
      }
    } finally {
      await peer.dispose();
      await loom.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------

const STORIES_SAMPLE =
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball";
/** Tokens generated from BOS; the sample above takes 43 of tok512's tokens. */
const STORIES_TOKENS = 48;

const storiesDir = path.join(datasetsDir(), "model-stories260K");
const converter = path.join(repoRoot, "training", "convert_llama2c.py");
const storiesSkip = !existsSync(path.join(storiesDir, "stories260K.bin"))
  ? `${storiesDir}/stories260K.bin is absent (set LOOM_DATASETS_DIR to the folder holding model-stories260K)`
  : !existsSync(converter)
    ? `${path.relative(repoRoot, converter)} is absent`
    : !existsSync(PYTHON)
      ? `${PYTHON} is absent (python with torch and onnx converts the model)`
      : undefined;

/**
 * Start the conversion at once (python + torch take seconds) so it overlaps the tests above.
 * Resolves to undefined, or to why python could not do it (no torch/onnx: the test skips).
 */
function startConversion(): { out: string; root: string; done: Promise<string | undefined> } | undefined {
  if (storiesSkip) return undefined;
  const root = mkdtempSync(path.join(os.tmpdir(), "loom-stories-"));
  const out = path.join(root, "stories260K");
  const done = new Promise<string | undefined>((resolve, reject) => {
    const child = spawn(
      PYTHON,
      [
        converter,
        "--bin",
        path.join(storiesDir, "stories260K.bin"),
        "--tok",
        path.join(storiesDir, "tok512.bin"),
        "--out",
        out,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const missing = /No module named '([\w.]+)'/.exec(stderr);
      if (code === 0) resolve(undefined);
      else if (missing) resolve(`${PYTHON} has no ${missing[1]} module (Debian: python3-torch, python3-onnx)`);
      else reject(new Error(`convert_llama2c.py failed: ${stderr}`));
    });
  });
  done.catch(() => undefined); // reported by the test that awaits it
  return { out, root, done };
}
const conversion = startConversion();

describe("stories260K (real pretrained llama2.c model, converted at test time)", { skip: storiesSkip }, () => {
  let out: string;
  let pythonProblem: string | undefined;
  before(async () => {
    pythonProblem = await conversion!.done;
    out = conversion!.out;
  });
  after(() => rmSync(conversion!.root, { recursive: true, force: true }));

  it("greedy decoding from BOS prints the author's documented sample, in Loom and in transformers.js", async (t) => {
    if (pythonProblem) {
      t.skip(pythonProblem);
      return;
    }
    const loom = await loadCausalLM(out, quiet);
    const peer = await loadPeerModel(out);
    try {
      const bos = loom.tokenizer.bosTokenId!;
      const ours = await loomGreedy(loom, { promptIds: [bos], maxNewTokens: STORIES_TOKENS });
      assert.equal(ours.ids.length, STORIES_TOKENS);
      assert.ok(ours.text.startsWith(STORIES_SAMPLE), `Loom printed: ${JSON.stringify(ours.text)}`);
      const theirs = (await peer.greedy([bos], STORIES_TOKENS, { stream: true })).ids;
      assert.deepEqual(ours.ids, theirs);
      assert.ok(loom.tokenizer.decode(theirs).startsWith(STORIES_SAMPLE));
      // The same text through the chat path of a base model (no chat template): plain continuation.
      const continued = await loomGreedy(loom, {
        messages: [{ role: "user", content: "Once upon a time" }],
        maxNewTokens: 8,
      });
      assert.ok(continued.text.length > 0);
    } finally {
      await peer.dispose();
      await loom.dispose();
    }
  });
});
