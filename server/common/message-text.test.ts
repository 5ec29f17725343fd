import assert from "node:assert/strict";
import { test } from "node:test";
import { textOf } from "./message-text";

test("textOf joins the text parts in order and ignores every other part", () => {
  assert.equal(
    textOf([
      { type: "step-start" },
      { type: "text", text: "Hello, " },
      { type: "reasoning", text: "(thinking)" },
      { type: "data-progress", data: { done: 1 } },
      { type: "text", text: "world." },
    ]),
    "Hello, world.",
  );
  assert.equal(textOf([]), "");
  assert.equal(textOf([null, "text", { type: "text" }, { type: "text", text: 3 }]), "");
});
