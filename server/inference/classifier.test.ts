import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadClassifier, loadModel } from "./engine";
import type { LoadedClassifier } from "./loaded-model";
import { fixtureMissing, tinyClassifierDir } from "./test-helpers";

interface Golden {
  id2label: Record<string, string>;
  texts: Array<{ text: string; ids: number[]; logits: number[] }>;
}

describe("classifier fixture", { skip: fixtureMissing(tinyClassifierDir) }, () => {
  let model: LoadedClassifier;
  let golden: Golden;
  before(async () => {
    golden = JSON.parse(readFileSync(path.join(tinyClassifierDir, "golden.json"), "utf8"));
    model = await loadClassifier(tinyClassifierDir, { session: { device: "cpu" } });
  });
  after(() => model?.dispose());

  it("loadModel recognises it as a classifier", async () => {
    const m = await loadModel(tinyClassifierDir, { session: { device: "cpu" } });
    assert.equal(m.kind, "classifier");
    await m.dispose();
  });

  it("tokenises the golden texts to the golden ids", () => {
    for (const t of golden.texts)
      assert.deepEqual(model.tokenizer.encodeUntrusted(t.text, { addSpecialTokens: true }), t.ids);
  });

  it("gives the golden logits and labels, one text at a time and all in one padded batch", async () => {
    const check = (results: Awaited<ReturnType<LoadedClassifier["classify"]>>) => {
      results.forEach((r, i) => {
        const g = golden.texts[i]!;
        r.logits.forEach((v, c) =>
          assert.ok(Math.abs(v - g.logits[c]!) < 1e-4, `${g.text}: logit ${c} ${v} vs ${g.logits[c]}`),
        );
        const best = g.logits.indexOf(Math.max(...g.logits));
        assert.equal(r.label, golden.id2label[String(best)]);
        assert.ok(Math.abs(r.scores.reduce((s, x) => s + x.score, 0) - 1) < 1e-6);
        assert.equal(r.tokens, g.ids.length);
      });
    };
    const oneByOne = [];
    for (const t of golden.texts) oneByOne.push((await model.classify([t.text]))[0]!);
    check(oneByOne);
    check(await model.classify(golden.texts.map((t) => t.text)));
  });
});
