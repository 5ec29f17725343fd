import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mentions, replyLanguage } from "./chat-probes";

describe("chat probe scoring", () => {
  it("tells the reply's language by script, then by common words", () => {
    const langs = ["en", "zh", "de"];
    assert.equal(replyLanguage("你好！我是 Loom。", langs), "zh");
    assert.equal(replyLanguage("Ich bin müde und das Wetter ist nicht gut.", langs), "de");
    assert.equal(replyLanguage("I am fine, and you?", langs), "en");
  });

  it("a topic word counts at the start of a word, or anywhere in Chinese", () => {
    assert.ok(mentions("I am eating breakfast.", "eat"));
    assert.ok(!mentions("What a great day.", "eat"));
    assert.ok(mentions("My name is LOOM.", "loom"));
    assert.ok(mentions("今天天气很好。", "天气"));
    assert.ok(!mentions("Kein Brot, bitte.", "ei"));
  });
});
