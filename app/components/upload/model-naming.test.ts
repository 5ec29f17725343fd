import assert from "node:assert/strict";
import { test } from "node:test";
import { modelIdProblem, slugFromName } from "./model-naming";

test("slugFromName suggests an id from a file or folder name", () => {
  assert.equal(slugFromName("My-Model v2.tar.gz"), "my-model-v2");
  assert.equal(slugFromName("tiny-llama.zip"), "tiny-llama");
  assert.equal(slugFromName("__Weird..name__"), "weird.name");
  assert.equal(slugFromName("x".repeat(200)).length, 128);
});

test("modelIdProblem says what is wrong with an id, or nothing", () => {
  assert.equal(modelIdProblem("", []), "Give the model an id.");
  assert.match(modelIdProblem("Bad Id", []) ?? "", /lower-case letters/);
  assert.equal(modelIdProblem("loom-chat", ["loom-chat"]), 'A model with the id "loom-chat" is already installed.');
  assert.equal(modelIdProblem("loom-chat-2", ["loom-chat"]), undefined);
});
