// User text the database can store: U+0000 and unpaired surrogates are refused, naming the field;
// everything else (emoji, other scripts, control characters PostgreSQL accepts) passes as typed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cleanText, clipText, isStorableText } from "./user-text";

describe("isStorableText", () => {
  test("ordinary text, emoji (a surrogate pair) and other control characters are storable", () => {
    for (const text of ["", "Hello", "Grüße, 你好", "😀", "a😀b", "tab\tand\nnewline", "\u0001\u001f\u007f"]) {
      assert.equal(isStorableText(text), true, JSON.stringify(text));
    }
  });

  test("U+0000 and surrogates without their pair are not", () => {
    for (const text of ["\u0000", "a\u0000b", "\uD800", "a\uD83Db", "\uDE00", "x\uDE00😀", "😀\uD83D"]) {
      assert.equal(isStorableText(text), false, JSON.stringify(text));
    }
  });
});

describe("cleanText", () => {
  const message = cleanText("Message").trim().min(1, "Write a message first.").max(10, "Too long.");

  test("refuses with a message that names the field", () => {
    for (const text of ["a\u0000", "a\uD800"]) {
      const result = message.safeParse(text);
      assert.equal(result.success, false);
      assert.equal(result.error?.issues[0]?.message, "Message contains characters that cannot be stored.");
    }
  });

  test("the usual rules still apply after it", () => {
    assert.equal(message.parse("  hi 😀 "), "hi 😀");
    assert.equal(message.safeParse("   ").error?.issues[0]?.message, "Write a message first.");
    assert.equal(message.safeParse("x".repeat(11)).error?.issues[0]?.message, "Too long.");
  });
});

test("clipText never splits a surrogate pair", () => {
  assert.equal(clipText("short", 10), "short");
  assert.equal(clipText("abcdef", 3), "abc");
  assert.equal(clipText("ab😀", 3), "ab");
  assert.equal(clipText("ab😀c", 4), "ab😀");
  assert.equal(isStorableText(clipText("😀".repeat(100), 101)), true);
});
