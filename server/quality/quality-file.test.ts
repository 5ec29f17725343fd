// loom-quality.json: absent, malformed, oversized and partly wrong files are read without throwing;
// a merge keeps the keys another writer owns.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  MAX_QUALITY_FILE_BYTES,
  mergeQualityFile,
  QUALITY_FILE,
  readQualityFile,
  type BiasReport,
} from "./quality-file";

const dirs: string[] = [];
const folder = (content?: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), "loom-quality-"));
  dirs.push(dir);
  if (content !== undefined) writeFileSync(path.join(dir, QUALITY_FILE), content);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const bias: BiasReport = {
  generated_at: "2026-12-02T04:00:00.000Z",
  scorer: "loom-sentiment",
  probe_sets: [{ id: "gender-words-en", language: "en", attribute: "gender", pairs: 216 }],
  results: [
    {
      probe_set: "gender-words-en",
      attribute: "gender",
      language: "en",
      kind: "generative" as const,
      pairs: 216,
      flip_rate: 0.25,
      mean_score_gap: 0.1,
      refusal_change_rate: 0,
    },
  ],
};

describe("loom-quality.json", () => {
  it("is absent when the folder has none", () => {
    assert.deepEqual(readQualityFile(folder()), { status: "absent" });
  });

  it("reads the contract's sections", () => {
    const quality = {
      version: 1,
      evaluation: [{ metric: "chrF en→de", value: 44.1, baseline: { name: "copy", value: 16 }, split: "Tatoeba" }],
      bias,
      finetune: {
        base: { path: "models/loom-chat", name: "loom-chat" },
        data: { file: "export.jsonl", rows: 120, train_rows: 108, held_back_rows: 12, pairs: 3 },
        steps: 200,
        created_at: "2026-12-02T04:00:00Z",
        before: { "chrF en→de": 44.1 },
        after: { "chrF en→de": 44.9 },
        bias_before: bias,
      },
    };
    assert.deepEqual(readQualityFile(folder(JSON.stringify(quality))), { status: "ok", quality, problems: [] });
  });

  it("refuses text that is not JSON, not an object, or not version 1, with the reason", () => {
    for (const [content, reason] of [
      ["{not json", /not valid JSON/],
      ["[1, 2]", /not a JSON object/],
      ['{"version": 2}', /version 2, not 1/],
      ["{}", /version undefined/],
    ] as const) {
      const read = readQualityFile(folder(content));
      assert.equal(read.status, "invalid", content);
      assert.match((read as { reason: string }).reason, reason);
    }
  });

  it("does not read a file over the size limit", () => {
    const huge = JSON.stringify({ version: 1, padding: "x".repeat(MAX_QUALITY_FILE_BYTES) });
    const read = readQualityFile(folder(huge));
    assert.equal(read.status, "invalid");
    assert.match((read as { reason: string }).reason, /at most 1048576 are read/);
  });

  it("leaves out a malformed section, names it, and keeps the others", () => {
    const read = readQualityFile(
      folder(JSON.stringify({ version: 1, evaluation: [{ metric: "x", value: "high" }], bias })),
    );
    assert.equal(read.status, "ok");
    if (read.status !== "ok") return;
    assert.equal(read.quality.evaluation, undefined);
    assert.deepEqual(read.quality.bias, bias);
    assert.equal(read.problems.length, 1);
    assert.match(read.problems[0]!, /"evaluation" left out: 0\.value/);
  });

  it("merges a writer's keys into the file and keeps every other key", () => {
    const dir = folder(JSON.stringify({ version: 1, finetune: { steps: 5 }, custom: { kept: true } }));
    mergeQualityFile(dir, { bias });
    const written = JSON.parse(readFileSync(path.join(dir, QUALITY_FILE), "utf8"));
    assert.deepEqual(written, { version: 1, finetune: { steps: 5 }, custom: { kept: true }, bias });
    assert.equal(Object.keys(written)[0], "version");
    mergeQualityFile(dir, { evaluation: [{ metric: "accuracy", value: 0.7 }] });
    const again = readQualityFile(dir);
    assert.equal(again.status, "ok");
    if (again.status === "ok")
      assert.deepEqual(Object.keys(again.quality).sort(), ["bias", "evaluation", "finetune", "version"]);
  });

  it("creates the file in a folder without one", () => {
    const dir = folder();
    mergeQualityFile(dir, { bias });
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, QUALITY_FILE), "utf8")), { version: 1, bias });
  });
});
