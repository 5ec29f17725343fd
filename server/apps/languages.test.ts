// Declared languages and the detector the apps share (decision 017): real eld n-grams, and
// sentences the old stop-word detector got wrong (issue 14: German sent to English, Arabic as
// English).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CONFIDENCE_THRESHOLD, detectLanguage } from "./language-detection";
import { declaredLanguages, languageName, listOfLanguages } from "./languages";
import { languageOffer, nameIn } from "./translate-offer";

describe("declared languages", () => {
  test("a list of codes gets English names; a map keeps its own", () => {
    assert.deepEqual(declaredLanguages({ loom: { languages: ["en", "zh"] } }), { en: "English", zh: "Chinese" });
    assert.deepEqual(declaredLanguages({ loom: { languages: { de: "Deutsch" } } }), { de: "Deutsch" });
  });
  test("no declaration, an empty one or a malformed one is unknown coverage", () => {
    assert.equal(declaredLanguages({}), undefined);
    assert.equal(declaredLanguages({ loom: { languages: [] } }), undefined);
    assert.equal(declaredLanguages({ loom: { languages: "en" } }), undefined);
  });
  test("names, never codes", () => {
    assert.equal(languageName("fr"), "French");
    assert.equal(languageName("ar"), "Arabic");
    assert.equal(nameIn(languageOffer({ loom: { languages: ["en"] } }), "fr"), "French");
    assert.equal(listOfLanguages(["English", "Chinese", "German"]), "English, Chinese and German");
  });
  test("Translate offers pairs from a list of codes too", () => {
    const offer = languageOffer({ loom: { languages: ["en", "de"], translation_pairs: [["en", "de"]] } });
    assert.deepEqual(offer.pairs, [["en", "de"]]);
  });
});

describe("language detection", () => {
  test("German with English-looking words is German", () => {
    for (const text of [
      "Ich wohne in Berlin.",
      "Tom ist in der Küche.",
      "Ein Mann in einem blauen Hemd steht auf einer Leiter.",
      "Das ist mein Hund.",
    ]) {
      const d = detectLanguage(text);
      assert.equal(d.language, "de", text);
    }
  });
  test("Arabic is surely none of English, Chinese and German", () => {
    const d = detectLanguage("سأسافر إلى القاهرة الأسبوع القادم لزيارة عائلتي.", ["en", "zh", "de"]);
    assert.equal(d.language, "ar");
    assert.equal(d.name, "Arabic");
    assert.ok(d.confident);
  });
  test("Chinese and English sentences are confident", () => {
    assert.deepEqual(
      ["我们明天去公园吧，天气很好。", "Where is the nearest train station, please?"].map((t) => {
        const d = detectLanguage(t);
        return [d.language, d.confident];
      }),
      [
        ["zh", true],
        ["en", true],
      ],
    );
  });
  test("a text too short or without letters is not a confident answer", () => {
    for (const text of ["12345", "", "ok", "Hi."]) {
      const d = detectLanguage(text);
      assert.ok(!d.confident, `${text}: ${d.language} ${d.confidence}`);
      assert.ok(d.confidence < CONFIDENCE_THRESHOLD);
    }
  });
});
