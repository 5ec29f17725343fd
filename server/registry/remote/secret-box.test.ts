import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createSecretBox } from "./secret-box";

describe("secret box (remote engines' API keys at rest)", () => {
  const box = createSecretBox("a-secret-of-at-least-thirty-two-characters");

  test("seals and opens; the sealed form does not hold the key, and differs each time", () => {
    const sealed = box.seal("sk-remote-key", "model-a");
    assert.match(sealed, /^v1\./);
    assert.ok(!sealed.includes("sk-remote-key"));
    assert.notEqual(box.seal("sk-remote-key", "model-a"), sealed);
    assert.equal(box.open(sealed, "model-a"), "sk-remote-key");
  });

  test("refuses another model's row, another secret, and an altered value", () => {
    const sealed = box.seal("sk-remote-key", "model-a");
    assert.throws(() => box.open(sealed, "model-b"));
    assert.throws(() => createSecretBox("another-secret-of-thirty-two-characters!").open(sealed, "model-a"));
    const altered = sealed.slice(0, -2) + (sealed.endsWith("A") ? "BB" : "AA");
    assert.throws(() => box.open(altered, "model-a"));
  });
});
