import assert from "node:assert/strict";
import { test } from "node:test";
import { createDeltaSanitizer, sanitizeForStorage, textProblem } from "./text-hygiene";

test("sanitizeForStorage removes NUL and replaces lone surrogates with U+FFFD", () => {
  assert.equal(sanitizeForStorage("a\u0000b\u0000"), "ab");
  assert.equal(sanitizeForStorage("x\uD800y"), "x\uFFFDy");
  assert.equal(sanitizeForStorage("x\uDC00"), "x\uFFFD");
  assert.equal(sanitizeForStorage("\uDC00\uD800"), "\uFFFD\uFFFD");
  assert.equal(sanitizeForStorage("\uD800"), "\uFFFD");
});

test("sanitizeForStorage keeps well-formed text, astral characters included", () => {
  for (const text of ["", "plain", "héllo — ✓", "emoji 😀 and 𝄞", "tab\tnewline\n"]) {
    assert.equal(sanitizeForStorage(text), text);
  }
});

test("textProblem names NUL and lone surrogates and accepts the rest", () => {
  assert.match(textProblem("a\u0000b") ?? "", /NUL/);
  assert.match(textProblem("a\uD83D") ?? "", /surrogate/);
  assert.match(textProblem("\uDE00a") ?? "", /surrogate/);
  assert.equal(textProblem("emoji 😀"), undefined);
  assert.equal(textProblem(""), undefined);
  // The global pattern keeps no state between calls.
  assert.ok(textProblem("\uD800"));
  assert.ok(textProblem("\uD800"));
});

test("sanitised text is accepted by textProblem", () => {
  assert.equal(textProblem(sanitizeForStorage("\u0000\uD800x\uDC00")), undefined);
});

test("the delta sanitizer keeps a surrogate pair split across two pieces and cleans the rest", () => {
  const sanitizer = createDeltaSanitizer();
  const pieces = ["a\u0000b", "smile \uD83D", "\uDE00!", "lone \uDC00", "end \uD83D"].map((p) => sanitizer.push(p));
  pieces.push(sanitizer.end());
  assert.deepEqual(pieces, ["ab", "smile ", "\uD83D\uDE00!", "lone \uFFFD", "end ", "\uFFFD"]);
  assert.equal(sanitizer.end(), "");
});
