// Raw and fill-in-the-middle completion through the engine on the shipped code model
// (models/loom-code): the prompt ids and the bookkeeping, not the quality.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCausalLM, type LoadedCausalLM } from "../inference/index";
import { repoRoot } from "../inference/test-helpers";
import { declaredFim, evaluateCodeCompletion, fimPromptIds, readCodeTasks, type CodeTask } from "./code-completion";

const codeDir = path.join(repoRoot, "models", "loom-code");
const quiet = { info() {}, warn() {} };

const TASKS: CodeTask[] = [
  {
    prefix: "def add(a, b):\n",
    suffix: "\nprint(add(1, 2))",
    next_line: "    return a + b  # sum",
    prev_line: "def add(a, b):",
    lang: "python",
  },
  { prefix: "x = 1\nx = 1\n", suffix: "", next_line: "x = 1", prev_line: "x = 1", lang: "python" },
  { prefix: "function f() {\n  return 1;\n", suffix: "", next_line: "}", prev_line: "  return 1;", lang: "javascript" },
];

describe("code completion evaluation (loom-code)", () => {
  let model: LoadedCausalLM;
  before(async () => {
    model = await loadCausalLM(codeDir, { logger: quiet, scheduler: { maxWaiting: 1000 } });
  });
  after(async () => {
    await model?.dispose();
  });

  it("the model declares its FIM sentinels, and they are single special tokens", () => {
    const fim = declaredFim(model);
    assert.deepEqual(fim, { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" });
    for (const s of Object.values(fim!)) assert.equal(model.tokenizer.encode(s, { addSpecialTokens: false }).length, 1);
  });

  it("a FIM prompt is sentinel, prefix, sentinel, suffix, sentinel; sentinel text in the code stays text", () => {
    const fim = declaredFim(model)!;
    const id = (s: string) => model.tokenizer.encode(s, { addSpecialTokens: false })[0]!;
    const prefix = "a = '<|fim_middle|>'\n";
    const ids = fimPromptIds(model, fim, prefix, "b = 2");
    const prefixIds = model.tokenizer.encodeUntrusted(prefix, { addSpecialTokens: false });
    const suffixIds = model.tokenizer.encodeUntrusted("b = 2", { addSpecialTokens: false });
    assert.deepEqual(ids, [id(fim.prefix), ...prefixIds, id(fim.suffix), ...suffixIds, id(fim.middle)]);
    assert.equal(ids.filter((t) => t === id(fim.middle)).length, 1, "only the real sentinel");
  });

  it("a long prefix keeps its end and the prompt leaves room for the answer", () => {
    const fim = declaredFim(model)!;
    const long = "x = 1\n".repeat(2000);
    const ids = fimPromptIds(model, fim, long, "y = 2\n".repeat(2000));
    assert.ok(ids.length <= model.maxPositions - 48, `${ids.length}`);
    assert.equal(ids.at(-1), model.tokenizer.encode(fim.middle, { addSpecialTokens: false })[0]);
  });

  it("scores the first generated line against the next line and the previous-line baseline", async () => {
    for (const setting of ["prefix20", "fim20"] as const) {
      const r = await evaluateCodeCompletion(model, TASKS, setting);
      assert.equal(r.model.n, 3);
      assert.ok(
        Math.abs(r.repeat_previous_line.exact_match - 100 / 3) < 1e-9,
        "only the second task repeats its previous line",
      );
      assert.equal(r.model_long.n, 1, "one next line of >= 10 non-blank characters");
      assert.ok(
        r.samples.every((s) => !s.output.includes("\n")),
        "one line each",
      );
    }
  });

  it("reads the tasks evaluate_code.py writes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "loom-code-tasks-"));
    try {
      const file = path.join(dir, "tasks.jsonl");
      writeFileSync(file, TASKS.map((t) => JSON.stringify({ ...t, path: "p", hyp_prefix20: "" })).join("\n") + "\n");
      assert.deepEqual(readCodeTasks(file), TASKS);
      assert.deepEqual(readCodeTasks(path.join(dir, "missing.jsonl")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
