import assert from "node:assert/strict";
import { test } from "node:test";
import { selectionFromArchiveInput, selectionFromFolderInput } from "./selection";

/** A File as a directory picker gives it: its path below the chosen folder in webkitRelativePath. */
function pickedFile(relativePath: string, content = "x"): File {
  const file = new File([content], relativePath.split("/").at(-1)!);
  Object.defineProperty(file, "webkitRelativePath", { value: relativePath });
  return file;
}

test("an archive is taken as it is; anything else is refused", () => {
  const archive = new File(["zip"], "model.zip");
  assert.deepEqual(selectionFromArchiveInput([archive]), {
    kind: "archive",
    name: "model.zip",
    file: archive,
    bytes: 3,
  });
  assert.equal(selectionFromArchiveInput([]), undefined);
  assert.throws(() => selectionFromArchiveInput([new File([""], "notes.txt")]), /is not an archive/);
});

test("a picked folder loses its own name from the paths and leaves clutter out", () => {
  const selection = selectionFromFolderInput([
    pickedFile("my-model/tokenizer.json", "{}"),
    pickedFile("my-model/config.json", "{}"),
    pickedFile("my-model/onnx/model.onnx", "onnx"),
    pickedFile("my-model/.git/HEAD"),
    pickedFile("my-model/.DS_Store"),
  ]);
  assert.equal(selection?.kind, "folder");
  if (selection?.kind !== "folder") return;
  assert.equal(selection.name, "my-model");
  assert.deepEqual(
    selection.files.map((f) => f.path),
    ["config.json", "onnx/model.onnx", "tokenizer.json"],
  );
  assert.deepEqual(selection.skipped, [".git/HEAD", ".DS_Store"]);
  assert.equal(selection.bytes, 8);
});

test("a folder without config.json at its top is refused", () => {
  assert.throws(
    () => selectionFromFolderInput([pickedFile("parent/my-model/config.json")]),
    /has no config.json \(or genai_config.json\) at its top level/,
  );
});

test("an onnxruntime-genai folder (genai_config.json, no config.json) is taken", () => {
  const selection = selectionFromFolderInput([
    pickedFile("phi3-genai/genai_config.json", "{}"),
    pickedFile("phi3-genai/model.onnx", "onnx"),
    pickedFile("phi3-genai/model.onnx.data", "data"),
    pickedFile("phi3-genai/tokenizer.json", "{}"),
  ]);
  assert.equal(selection?.kind, "folder");
  if (selection?.kind !== "folder") return;
  assert.deepEqual(
    selection.files.map((f) => f.path),
    ["genai_config.json", "model.onnx", "model.onnx.data", "tokenizer.json"],
  );
});
