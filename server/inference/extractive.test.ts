// The shipped extractive summariser (models/loom-extract) through the real engine: one score per
// sentence, the best ones picked for each length and given back in document order. Its ROUGE
// against lead-3 / lead-1 is `npm run eval`'s (server/eval/extractive.ts).
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadModel } from "./engine";
import { selectSentences, splitSentences, type LoadedExtractiveSummarizer } from "./extractive";
import { readModelFolder } from "./model-folder";
import { fixtureMissing, repoRoot } from "./test-helpers";

const modelDir = path.join(repoRoot, "models", "loom-extract");

// Written for this test (not from the training data), shaped like a BBC article: headline line,
// then paragraphs.
const ARTICLE = `Council approves new city library

The city council has approved plans for a new central library, to be built on the site of the old bus station. The £40m building will hold more than 300,000 books and open in 2027, the council said.

Councillor Jane Smith said the library would "give the town centre a heart again". Work is expected to start next spring.

Some residents have raised concerns about parking. A public meeting will be held in March. The old library on King Street will close once the new one opens.`;

describe("loom-extract", { skip: fixtureMissing(modelDir) }, () => {
  let model: LoadedExtractiveSummarizer;
  before(async () => {
    const loaded = await loadModel(modelDir, { session: { device: "cpu" } });
    assert.equal(loaded.kind, "extractive-summarizer");
    model = loaded as LoadedExtractiveSummarizer;
  });
  after(() => model?.dispose());

  it("reads its folder as an extractive summariser (config.json loom.kind), not a classifier", async () => {
    const folder = await readModelFolder(modelDir);
    assert.equal(folder.kind, "extractive-summarizer");
    assert.equal(folder.labels, undefined);
  });

  it("splits sentences as training/sources/summaries.py does", () => {
    assert.deepEqual(splitSentences('Headline here\n\nHe said "yes." Then £5 went. A.B. test e.g. this. 3 left!'), [
      "Headline here",
      'He said "yes."',
      "Then £5 went.",
      "A.B. test e.g. this.",
      "3 left!",
    ]);
    assert.equal(splitSentences(ARTICLE).length, 8);
  });

  it("gives one finite score per sentence, the same alone and again", async () => {
    const sentences = splitSentences(ARTICLE);
    const { scores, tokens } = await model.score(sentences);
    assert.equal(scores.length, sentences.length);
    assert.ok(scores.every(Number.isFinite));
    assert.ok(tokens > sentences.length);
    const again = await model.score(sentences);
    again.scores.forEach((s, i) => assert.ok(Math.abs(s - scores[i]!) < 1e-5));
    // Scores differ: the document encoder sees position and content, not a constant.
    assert.ok(new Set(scores.map((s) => s.toFixed(3))).size > 3);
  });

  it("picks the best sentences for each length, in document order; the headline is not one", async () => {
    const sentences = splitSentences(ARTICLE);
    const { scores } = await model.score(sentences);
    for (const count of [1, 3]) {
      const summary = await model.summarize(ARTICLE, count);
      assert.equal(summary.sentences.length, count);
      assert.deepEqual(summary.indices, selectSentences(scores, count));
      assert.deepEqual(
        summary.indices,
        [...summary.indices].sort((a, b) => a - b),
        "document order",
      );
      assert.deepEqual(
        summary.sentences,
        summary.indices.map((i) => sentences[i]),
      );
      const worst = Math.min(...summary.indices.map((i) => scores[i]!));
      const unchosen = scores.filter((_, i) => !summary.indices.includes(i));
      assert.ok(
        unchosen.every((s) => s <= worst),
        "no unchosen sentence scores higher",
      );
      assert.ok(!summary.indices.includes(0), "the headline line is not a summary sentence");
    }
    assert.equal((await model.summarize("Only one sentence here.", 3)).sentences.length, 1);
    assert.deepEqual((await model.summarize("   ", 3)).sentences, []);
  });

  it("scores a text longer than one window (256 sentences) in full", async () => {
    const long = Array.from({ length: 300 }, (_, i) => `Sentence number ${i} says something new.`).join(" ");
    const summary = await model.summarize(long, 3);
    assert.equal(summary.scores.length, 300);
    assert.equal(summary.sentences.length, 3);
  });

  it("selectSentences breaks ties toward the earlier sentence and returns document order", () => {
    assert.deepEqual(selectSentences([0.5, 2, 0.5, 3, 0.5], 3), [0, 1, 3]);
    assert.deepEqual(selectSentences([1, 2], 0), []);
    assert.deepEqual(selectSentences([1, 2], 5), [0, 1]);
  });
});
