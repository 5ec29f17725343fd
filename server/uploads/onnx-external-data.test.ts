import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import {
  checkExternalData,
  ExternalDataError,
  listExternalDataLocations,
  readExternalDataRefs,
  type ExternalDataErrorCode,
} from "./onnx-external-data";

const root = mkdtempSync(path.join(os.tmpdir(), "loom-onnx-ext-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

// ---------------------------------------------------------------------------------------------
// A tiny protobuf writer, enough to build ONNX ModelProto bytes

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, payload: Buffer) => Buffer.concat([tag(field, 2), varint(payload.length), payload]);
const message = (field: number, ...parts: Buffer[]) => bytesField(field, Buffer.concat(parts));
const str = (field: number, s: string) => bytesField(field, Buffer.from(s));
const int = (field: number, n: number) => Buffer.concat([tag(field, 0), varint(n)]);
const fixed32 = (field: number) => Buffer.concat([tag(field, 5), Buffer.alloc(4)]);

interface TensorSpec {
  name: string;
  location?: string;
  offset?: number;
  length?: number;
  raw?: Buffer;
}

/** TensorProto body: dims 1, data_type 7, name 8, raw_data 9, external_data 13, data_location 14. */
function tensor(spec: TensorSpec): Buffer {
  const parts = [int(1, 4), int(2, 1), str(8, spec.name)];
  if (spec.raw) parts.push(bytesField(9, spec.raw));
  if (spec.location !== undefined) {
    parts.push(message(13, str(1, "location"), str(2, spec.location)));
    if (spec.offset !== undefined) parts.push(message(13, str(1, "offset"), str(2, String(spec.offset))));
    if (spec.length !== undefined) parts.push(message(13, str(1, "length"), str(2, String(spec.length))));
    parts.push(int(14, 1));
  }
  return Buffer.concat(parts);
}

/** ModelProto: ir_version 1, graph 7 { node 1, name 2, initializer 5, sparse_initializer 15 }, opset_import 8. */
function model(graphParts: Buffer[]): Buffer {
  return Buffer.concat([
    int(1, 8),
    str(2, "loom-test"),
    message(7, str(2, "main"), ...graphParts, message(11, str(1, "input_ids"))),
    message(8, str(1, ""), int(2, 17)),
  ]);
}
const initializer = (spec: TensorSpec) => message(5, tensor(spec));

function modelDir(onnx: Buffer, files: Record<string, number> = {}): string {
  const dir = path.join(root, `m${++counter}`);
  mkdirSync(path.join(dir, "onnx"), { recursive: true });
  writeFileSync(path.join(dir, "onnx", "model.onnx"), onnx);
  for (const [rel, size] of Object.entries(files)) writeFileSync(path.join(dir, "onnx", rel), Buffer.alloc(size));
  return dir;
}

async function refused(dir: string, code: ExternalDataErrorCode, mention: string): Promise<void> {
  await assert.rejects(checkExternalData(dir), (e: unknown) => {
    assert.ok(e instanceof ExternalDataError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(mention), `"${e.message}" should mention ${mention}`);
    assert.equal(e.httpStatus, 400);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------

describe("readExternalDataRefs", () => {
  it("finds external tensors past large inline ones, in subgraphs, attributes and sparse initializers", async () => {
    const inline = initializer({ name: "inline", raw: Buffer.alloc(300_000, 7) }); // far bigger than the read window
    const subgraph = message(6, str(2, "then"), initializer({ name: "sub.w", location: "sub.bin" }));
    const node = message(
      1,
      str(1, "cond"),
      str(4, "If"),
      message(5, str(1, "then_branch"), int(20, 5), subgraph), // AttributeProto.g
      message(5, str(1, "value"), fixed32(2), message(5, tensor({ name: "const.t", location: "const.bin" }))), // .t
    );
    const sparse = message(
      15,
      message(1, tensor({ name: "sp.values", location: "sparse.bin" })),
      message(3, int(1, 4)),
    );
    const onnx = model([
      inline,
      node,
      initializer({ name: "w", location: "model.onnx_data", offset: 0, length: 16 }),
      sparse,
      initializer({ name: "w2", location: "model.onnx_data", offset: 16, length: 16 }),
    ]);
    const dir = modelDir(onnx);
    const file = path.join(dir, "onnx", "model.onnx");
    const refs = await readExternalDataRefs(file);
    assert.deepEqual(
      refs.map((r) => [r.tensor, r.location]),
      [
        ["sub.w", "sub.bin"],
        ["const.t", "const.bin"],
        ["w", "model.onnx_data"],
        ["sp.values", "sparse.bin"],
        ["w2", "model.onnx_data"],
      ],
    );
    assert.deepEqual(refs[4], { tensor: "w2", location: "model.onnx_data", offset: 16, length: 16 });
    assert.deepEqual(await listExternalDataLocations(file), ["sub.bin", "const.bin", "model.onnx_data", "sparse.bin"]);
  });

  it("reports malformed files as MALFORMED", async () => {
    const onnx = model([initializer({ name: "w", location: "model.onnx_data" })]);
    await refused(modelDir(onnx.subarray(0, onnx.length - 20)), "MALFORMED", "model.onnx");
    await refused(modelDir(Buffer.from([0x0f, 0x01])), "MALFORMED", "model.onnx"); // wire type 7
  });

  const fixture = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    "../inference/__fixtures__/tiny-llama/onnx/model.onnx",
  );
  it(
    "parses the real tiny-llama fixture and finds no external data",
    { skip: existsSync(fixture) ? false : `fixture missing: ${fixture}` },
    async () => {
      assert.deepEqual(await readExternalDataRefs(fixture), []);
      // Protobuf merges a repeated singular message field, so a graph appended to the real file is
      // read after the real one: finding exactly its tensor proves the walk stayed in step.
      const appended = Buffer.concat([
        readFileSync(fixture),
        message(7, initializer({ name: "extra", location: "model.onnx_data" })),
      ]);
      const dir = modelDir(appended, { "model.onnx_data": 4 });
      assert.deepEqual(await listExternalDataLocations(path.join(dir, "onnx", "model.onnx")), ["model.onnx_data"]);
    },
  );
});

describe("checkExternalData", () => {
  it("accepts model.onnx_data next to the model", async () => {
    const onnx = model([initializer({ name: "w", location: "model.onnx_data", offset: 0, length: 64 })]);
    const dir = modelDir(onnx, { "model.onnx_data": 64 });
    assert.deepEqual(await checkExternalData(dir), {
      models: [{ file: "onnx/model.onnx", externalFiles: ["onnx/model.onnx_data"] }],
    });
  });

  it("accepts a model without external data", async () => {
    const dir = modelDir(model([initializer({ name: "w", raw: Buffer.alloc(16) })]));
    assert.deepEqual(await checkExternalData(dir), { models: [{ file: "onnx/model.onnx", externalFiles: [] }] });
  });

  it("refuses ../../etc/passwd", async () => {
    const dir = modelDir(model([initializer({ name: "w", location: "../../etc/passwd" })]));
    await refused(dir, "ESCAPES_FOLDER", "../../etc/passwd");
  });

  it("refuses /etc/passwd and C:\\ paths", async () => {
    await refused(
      modelDir(model([initializer({ name: "w", location: "/etc/passwd" })])),
      "ABSOLUTE_LOCATION",
      "/etc/passwd",
    );
    await refused(modelDir(model([initializer({ name: "w", location: "C:\\w.bin" })])), "ABSOLUTE_LOCATION", "C:");
  });

  it("refuses a missing file", async () => {
    await refused(
      modelDir(model([initializer({ name: "w", location: "model.onnx_data" })])),
      "MISSING",
      "model.onnx_data",
    );
    await refused(modelDir(model([initializer({ name: "w", location: "sub/w.bin" })])), "MISSING", "sub/w.bin");
  });

  it("refuses a symlink, even one that points inside the folder", async () => {
    const dir = modelDir(model([initializer({ name: "w", location: "model.onnx_data" })]), { real: 8 });
    symlinkSync(path.join(dir, "onnx", "real"), path.join(dir, "onnx", "model.onnx_data"));
    await refused(dir, "SYMLINK", "model.onnx_data");
    const viaDir = modelDir(model([initializer({ name: "w", location: "d/w.bin" })]));
    symlinkSync("/etc", path.join(viaDir, "onnx", "d"));
    await refused(viaDir, "SYMLINK", "d/w.bin");
  });

  it("refuses a folder, a backslash, control characters and out-of-range offsets", async () => {
    const folder = modelDir(model([initializer({ name: "w", location: "weights" })]));
    mkdirSync(path.join(folder, "onnx", "weights"));
    await refused(folder, "NOT_A_FILE", "weights");
    await refused(modelDir(model([initializer({ name: "w", location: "..\\x" })])), "BAD_LOCATION", "backslash");
    await refused(modelDir(model([initializer({ name: "w", location: "a\0b" })])), "BAD_LOCATION", "a\\u0000b");
    const short = model([initializer({ name: "w", location: "model.onnx_data", offset: 32, length: 64 })]);
    await refused(modelDir(short, { "model.onnx_data": 64 }), "OUT_OF_RANGE", "96");
  });
});
