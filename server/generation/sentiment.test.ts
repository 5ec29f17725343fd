// Sentiment: labels and scores per text, a per-sentence breakdown for long texts, one runs row
// (stopped when the client leaves). Real classifier, real database.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { loadClassifier, type LoadedClassifier } from "../inference";
import { createRunRecorder } from "../usage/runs";
import { classifySentiment, type SentimentServices } from "./sentiment";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-classifier/", import.meta.url));
const row = { id: "tiny-classifier", displayName: "Tiny classifier" };

describe("sentiment", () => {
  let database: Database;
  let classifier: LoadedClassifier;
  let userId: string;
  const signal = new AbortController().signal;

  before(async () => {
    database = await openTestDatabase();
    classifier = await loadClassifier(fixture, { session: { device: "cpu" } });
    const [user] = await database.db
      .insert(users)
      .values({ email: "s@example.com", name: "S", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await classifier.dispose();
    await database.close();
  });

  const servicesWith = (model: LoadedClassifier): SentimentServices => ({
    registry: { sentimentModel: async () => ({ row, model }) },
    runs: createRunRecorder(database.db),
  });
  const runsOf = () => database.db.select().from(runs).where(eq(runs.userId, userId));

  test("each text gets a label and scores; a long one is broken down by sentence; the run is completed", async () => {
    const long = `${"This part is fine and calm. ".repeat(3)}This last part is rather long, to pass the limit.`;
    const response = await classifySentiment(
      servicesWith(classifier),
      { userId, input: { texts: ["Short.", long] } },
      signal,
    );
    assert.deepEqual(response.model, { id: "tiny-classifier", name: "Tiny classifier", method: "classifier" });
    const [short, broken] = response.results;
    assert.equal(short?.text, "Short.");
    assert.deepEqual(Object.keys(short!.scores).sort(), ["negative", "positive"]);
    assert.equal(short?.sentences, undefined);
    assert.equal(broken?.sentences?.length, 4);
    assert.ok(response.stats.tokens > 0);
    const [run] = await runsOf();
    assert.equal(run?.status, "completed");
    assert.equal(run?.promptTokens, response.stats.tokens);
  });

  test("texts surely in a language the model does not declare are flagged, not labelled", async () => {
    // The fixture as an English-only model (config.json `loom.languages: ["en"]`).
    const english = {
      ...classifier,
      folder: { ...classifier.folder, config: { ...classifier.folder.config, loom: { languages: ["en"] } } },
    } as LoadedClassifier;
    const arabic = "المطعم كان ممتازا والخدمة سريعة.";
    const chinese = "酒店的位置很好，房间也很干净，服务员非常热情。";
    const response = await classifySentiment(
      servicesWith(english),
      { userId, input: { texts: ["The hotel was clean and the staff were friendly.", arabic, chinese, "ok"] } },
      signal,
    );
    const [en, ar, zh, short] = response.results;
    assert.equal(typeof en?.label, "string");
    assert.equal(en?.unsupportedLanguage, undefined);
    assert.deepEqual(ar, {
      text: arabic,
      label: null,
      score: null,
      scores: {},
      unsupportedLanguage: { code: "ar", name: "Arabic" },
    });
    assert.deepEqual(zh?.unsupportedLanguage, { code: "zh", name: "Chinese" });
    assert.equal(zh?.label, null);
    // Too short to tell: labelled as before, not flagged.
    assert.equal(typeof short?.label, "string");
    assert.deepEqual(response.model.languages, { en: "English" });
  });

  test("a model that declares no languages labels everything (its coverage is unknown)", async () => {
    const response = await classifySentiment(
      servicesWith(classifier),
      { userId, input: { texts: ["المطعم كان ممتازا والخدمة سريعة."] } },
      signal,
    );
    assert.equal(typeof response.results[0]?.label, "string");
    assert.equal(response.model.languages, undefined);
  });

  test("a failure marks the run failed and is rethrown", async () => {
    const failing = { ...classifier, classify: async () => Promise.reject(new Error("boom")) } as LoadedClassifier;
    await assert.rejects(classifySentiment(servicesWith(failing), { userId, input: { texts: ["x"] } }, signal), /boom/);
    assert.ok((await runsOf()).some((r) => r.status === "failed" && r.error === "boom"));
  });

  test("a client that leaves mid-way: the breakdown is not scored and the run is stopped", async () => {
    const client = new AbortController();
    let passes = 0;
    const leaving = {
      ...classifier,
      classify: async (texts: string[]) => {
        passes++;
        const results = await classifier.classify(texts);
        client.abort(); // the tab closed while the texts were being scored
        return results;
      },
    } as LoadedClassifier;
    const long = `${"This part is fine and calm. ".repeat(3)}This last part is rather long, to pass the limit.`;
    await assert.rejects(
      classifySentiment(servicesWith(leaving), { userId, input: { texts: [long] } }, client.signal),
      { name: "AbortError" },
    );
    assert.equal(passes, 1, "the sentences were not scored");
    assert.equal((await runsOf()).filter((r) => r.status === "stopped").length, 1);
  });
});
