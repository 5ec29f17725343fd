// The fine-tuning loop end to end on real parts: training/finetune.py (PyTorch) continues the
// tiny fixture model on the fixture feedback export for a few CPU steps; the engine scores the
// held-back slice on the base and the new folder (the same module `npm run eval -- --feedback`
// runs) and agrees with PyTorch's own numbers; finetune_card.py writes the card and the archive;
// the archive installs through the upload path (`npm run models -- add`) into a real registry on
// PGlite, and the chat app gets an answer from it through the AI SDK. Skipped, with the reason,
// where python with torch is absent (as scripts/test-python.sh does).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { streamText } from "ai";
import { openTestDatabase } from "../../db/test-database";
import { evaluateFeedbackSlice } from "../../scripts/eval-feedback";
import { createApiKeys } from "../auth/api-keys";
import { createAuthService } from "../auth/auth-service";
import { PYTHON, pythonTorchMissing, repoRoot, tinyLlamaDir } from "../inference/test-helpers";
import { runAdminRequest } from "../local-admin/commands";
import type { Logger } from "../logger";
import { createRegistry } from "../registry/registry";
import { createUploadStaging } from "../uploads/staging";
import { FeedbackExportError, parseFeedbackExport } from "./feedback-slice";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const training = path.join(repoRoot, "training");
const fixtureExport = readFileSync(path.join(training, "fixtures", "feedback-export.jsonl"), "utf8");
const fixturePairs = readFileSync(path.join(training, "fixtures", "feedback-preference.jsonl"), "utf8");
const missing = pythonTorchMissing();

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { cwd: training, encoding: "utf8", timeout: 240_000 });
  assert.equal(run.status, 0, `${args.join(" ")}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe("feedback export parsing", () => {
  test("both formats parse: rated answers with their context, preference pairs", () => {
    const slice = parseFeedbackExport(fixtureExport + fixturePairs);
    assert.equal(slice.rated.length, 20);
    assert.equal(slice.rated.filter((r) => r.rating === -1).length, 3);
    assert.equal(slice.pairs.length, 3);
    assert.equal(slice.rated[0]!.context.at(-1)!.role, "user");
    assert.equal(slice.pairs[0]!.chosen, "The capital of France is Paris.");
  });

  test("a bad line is refused with its line number, a 400 and a stable code", () => {
    const bad = [
      '{"messages":[{"role":"user","content":"hi"}],"rating":1,"chat_id":"c"}',
      '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"rating":2,"chat_id":"c"}',
      "not json",
      `{"messages":[{"role":"user","content":"${"x".repeat(1024 * 1024)}"}]}`,
    ];
    for (const line of bad)
      assert.throws(
        () => parseFeedbackExport(fixtureExport.split("\n")[0] + "\n" + line, "f.jsonl"),
        (e: unknown) => e instanceof FeedbackExportError && e.httpStatus === 400 && /^f\.jsonl:2: /.test(e.message),
      );
  });
});

test("npm run eval -- --feedback with a bad export says why and exits 2", () => {
  const bad = path.join(mkdtempSync(path.join(tmpdir(), "loom-feedback-")), "bad.jsonl");
  writeFileSync(bad, '{"messages":[{"role":"user","content":"hi"}],"rating":1,"chat_id":"c"}\n');
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/eval.ts", "--feedback", bad], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  rmSync(path.dirname(bad), { recursive: true, force: true });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /bad\.jsonl:1: a rated row needs messages ending with the assistant answer/);
});

describe("smoke fine-tune → before/after → card → install → answer", { skip: missing }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "loom-finetune-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, "tiny-ft");
  const work = `${out}.work`;

  test("finetune.py trains a few steps and writes the folder and the held-back slice", () => {
    const data = path.join(dir, "export.jsonl");
    writeFileSync(data, fixtureExport + fixturePairs);
    const log = python([
      "finetune.py",
      ...["--base", tinyLlamaDir, "--data", data, "--out", out],
      ...["--steps", "4", "--batch-size", "4", "--lr", "1e-3", "--name", "Tiny chat, fine-tuned"],
    ]);
    assert.match(log, /23 rows: \d+ train, \d+ held back/);
  });

  test("the engine scores the held-back slice on base and new; PyTorch's numbers agree", async () => {
    const heldBack = path.join(work, "heldback.jsonl");
    await evaluateFeedbackSlice(heldBack, [tinyLlamaDir], path.join(work, "feedback-base.json"));
    await evaluateFeedbackSlice(heldBack, [out], path.join(work, "feedback-new.json"));
    const liked = (side: string) =>
      JSON.parse(readFileSync(path.join(work, `feedback-${side}.json`), "utf8")).results[0].feedback.liked;
    const [base, tuned] = [liked("base"), liked("new")];
    assert.ok(base.answers > 0 && base.tokens > 0);
    assert.notEqual(base.mean_log_likelihood, tuned.mean_log_likelihood);

    // The same sum computed independently: PyTorch on the weights read back from each ONNX graph.
    const direct = (folder: string) =>
      Number(
        python([
          "-c",
          [
            "import sys, json, torch",
            "from finetune_weights import load_base",
            "from finetune_data import read_export, encode_answer",
            "from finetune import answer_logprob, pad",
            "from tokenizer import ByteLevelBPE",
            "m, cfg, tj, _, _ = load_base(sys.argv[1]); m.eval(); tok = ByteLevelBPE.from_json(tj)",
            "ex = [encode_answer(tok, r['messages'][:-1], r['messages'][-1]['content'], 256) for r in read_export(sys.argv[2]) if r.get('rating') == 1]",
            "with torch.no_grad(): lp, n = answer_logprob(m, *pad(ex, cfg['pad_token_id'], 'cpu'))",
            "print(float(lp.sum() / n.sum()))",
          ].join("\n"),
          folder,
          heldBack,
        ]).trim(),
      );
    assert.ok(Math.abs(direct(tinyLlamaDir) - base.mean_log_likelihood) < 1e-3);
    assert.ok(Math.abs(direct(out) - tuned.mean_log_likelihood) < 1e-3);
  });

  test("the card, loom-quality.json and archive; the archive installs as an upload and answers in chat", async () => {
    python(["finetune_card.py", "--base", tinyLlamaDir, "--out", out]);
    const quality = JSON.parse(readFileSync(path.join(out, "loom-quality.json"), "utf8"));
    assert.equal(quality.version, 1);
    assert.equal(quality.finetune.base.name, "tiny-llama");
    assert.equal(quality.finetune.data.rows, 23);
    assert.ok(Number.isFinite(quality.finetune.before["liked answers: mean log-likelihood per token"]));
    assert.match(
      readFileSync(path.join(out, "README.md"), "utf8"),
      /\| liked answers: perplexity \| [\d.]+ \| [\d.]+ \|/,
    );

    const dataDir = path.join(dir, "data");
    mkdirSync(path.join(dataDir, "models"), { recursive: true });
    const database = await openTestDatabase();
    const registry = createRegistry({
      db: database.db,
      modelsDir: path.join(dataDir, "models"),
      logger: quiet,
      loadOptions: { session: { device: "cpu" } },
    });
    try {
      const deps = {
        auth: createAuthService(database.db),
        apiKeys: createApiKeys(database.db),
        registry,
        uploads: createUploadStaging({ dataDir, maxUploadBytes: 50e6 }),
        maxUploadBytes: 50e6,
      };
      const [line] = await runAdminRequest(deps, { command: "models:add", source: `${out}.tar.gz` });
      assert.equal(line, "Installed tiny-ft (causal-lm, LlamaForCausalLM).");
      const row = (await registry.listModels()).find((m) => m.id === "tiny-ft")!;
      assert.equal(row.status, "ready");
      assert.equal(row.displayName, "Tiny chat, fine-tuned");
      assert.ok(row.files.some((f) => f.path === "loom-quality.json"));

      await registry.assign("chat", "tiny-ft", true);
      const { model } = await registry.languageModel("chat");
      const result = streamText({
        model,
        prompt: "Hello",
        maxOutputTokens: 6,
        temperature: 0,
        providerOptions: { loom: { ignoreEos: true } },
      });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      assert.ok(text.length > 0);
      assert.equal((await result.usage).outputTokens, 6);
    } finally {
      await registry.close();
      await database.close();
    }
  });
});
