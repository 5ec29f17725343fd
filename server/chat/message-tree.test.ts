import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { childrenOf, newestLeaf, pathToRoot, siblingsOf } from "./message-tree";

// q ─┬─ a1 ── q2
//    └─ a2          (a regenerated answer, newer)
// r                 (a second root)
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
const messages = [
  { id: "q", parentId: null, createdAt: at(0) },
  { id: "a1", parentId: "q", createdAt: at(1) },
  { id: "q2", parentId: "a1", createdAt: at(2) },
  { id: "a2", parentId: "q", createdAt: at(3) },
  { id: "r", parentId: null, createdAt: at(4) },
];
const ids = (list: { id: string }[]) => list.map((m) => m.id);

describe("message tree", () => {
  test("pathToRoot: root → message; empty for null or an unknown id", () => {
    assert.deepEqual(ids(pathToRoot(messages, "q2")), ["q", "a1", "q2"]);
    assert.deepEqual(ids(pathToRoot(messages, "q")), ["q"]);
    assert.deepEqual(pathToRoot(messages, null), []);
    assert.deepEqual(pathToRoot(messages, "nope"), []);
  });

  test("pathToRoot stops at a missing parent and at a cycle", () => {
    assert.deepEqual(ids(pathToRoot([{ id: "x", parentId: "gone" }], "x")), ["x"]);
    const cycle = [
      { id: "a", parentId: "b" },
      { id: "b", parentId: "a" },
    ];
    assert.deepEqual(ids(pathToRoot(cycle, "a")), ["b", "a"]);
  });

  test("childrenOf and siblingsOf keep the given order; roots are siblings too", () => {
    assert.deepEqual(ids(childrenOf(messages, "q")), ["a1", "a2"]);
    assert.deepEqual(ids(childrenOf(messages, "q2")), []);
    assert.deepEqual(ids(siblingsOf(messages, messages[3]!)), ["a1", "a2"]);
    assert.deepEqual(ids(siblingsOf(messages, messages[0]!)), ["q", "r"]);
  });

  test("newestLeaf follows the newest child down; equal times keep the first", () => {
    assert.equal(newestLeaf(messages, "q"), "a2");
    assert.equal(newestLeaf(messages, "a1"), "q2");
    assert.equal(newestLeaf(messages, "q2"), "q2");
    const tie = [
      { id: "p", parentId: null, createdAt: at(0) },
      { id: "c1", parentId: "p", createdAt: at(1) },
      { id: "c2", parentId: "p", createdAt: at(1) },
    ];
    assert.equal(newestLeaf(tie, "p"), "c1");
  });
});
