import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import yazl from "yazl";
import { ArchiveError } from "./archive";
import { UploadError, UploadStaging, UploadTooLargeError, type UploadErrorCode } from "./staging";

const root = mkdtempSync(path.join(os.tmpdir(), "loom-staging-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const staging = (options: { maxUploadBytes?: number; maxFiles?: number } = {}) =>
  new UploadStaging({ dataDir: path.join(root, `data${++counter}`), ...options });
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const KiB = 1024;

async function uploadError(promise: Promise<unknown>, code: UploadErrorCode): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UploadError, `expected UploadError, got ${(error as Error)?.stack}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected an UploadError (${code})`);
}

const tree = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

describe("UploadStaging", () => {
  it("creates sessions with random hex ids and streams files in, hashing them", async () => {
    const s = staging();
    const { id, filesDir } = await s.createUpload();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(filesDir, path.join(s.root, id, "files"));

    const weights = Buffer.alloc(300 * KiB, 3);
    const fromNode = await s.writeUploadFile(
      id,
      "onnx/model.onnx_data",
      Readable.from([weights.subarray(0, 100 * KiB), weights.subarray(100 * KiB)]),
      {
        maxBytes: 1024 * KiB,
      },
    );
    assert.deepEqual(fromNode, { path: "onnx/model.onnx_data", bytes: weights.length, sha256: sha256(weights) });

    const config = Buffer.from('{"model_type":"llama"}');
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(config));
        controller.close();
      },
    });
    assert.equal((await s.writeUploadFile(id, "./config.json", web, { maxBytes: 100 })).sha256, sha256(config));

    async function* generated() {
      yield new TextEncoder().encode("# readme\n");
    }
    assert.equal((await s.writeUploadFile(id, "README.md", generated(), { maxBytes: 100 })).bytes, 9);

    assert.deepEqual(tree(filesDir), ["README.md", "config.json", "onnx", "onnx/model.onnx_data"]);
    assert.ok(readFileSync(path.join(filesDir, "onnx/model.onnx_data")).equals(weights));
    assert.deepEqual(readdirSync(path.join(s.root, id, "tmp")), [], "no partial file is left");
  });

  it("refuses a stream over maxBytes mid-way, with a 413, and deletes the partial file", async () => {
    const s = staging();
    const { id, filesDir } = await s.createUpload();
    const tmpDir = path.join(s.root, id, "tmp");
    let produced = 0;
    let sawPartial = false;
    async function* endless() {
      const chunk = new Uint8Array(64 * KiB);
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve)); // as a network stream would
        // From half the limit on (a loaded machine may open the file a few chunks late).
        if (!sawPartial && produced >= 8 * 64 * KiB) sawPartial = readdirSync(tmpDir).length === 1;
        produced += chunk.length;
        yield chunk;
      }
    }
    const error = await uploadError(
      s.writeUploadFile(id, "onnx/model.onnx", endless(), { maxBytes: 1024 * KiB }),
      "TOO_LARGE",
    );
    assert.ok(error instanceof UploadTooLargeError);
    assert.equal(error.httpStatus, 413);
    assert.equal(error.limitBytes, 1024 * KiB);
    assert.match(error.message, /"onnx\/model\.onnx" is larger than the 1 MiB allowed/);
    assert.ok(sawPartial, "the file was being written to disk when it was refused");
    assert.ok(produced <= 2 * 1024 * KiB, `the stream was stopped early (${produced} bytes read)`);
    assert.deepEqual(readdirSync(tmpDir), [], "the partial file is deleted");
    assert.deepEqual(tree(filesDir), []);
  });

  it("refuses an upload that passes its total limit and one with too many files", async () => {
    const s = staging({ maxUploadBytes: 1000, maxFiles: 2 });
    const { id } = await s.createUpload();
    await s.writeUploadFile(id, "a.bin", Readable.from([Buffer.alloc(600)]), { maxBytes: 1000 });
    await uploadError(
      s.writeUploadFile(id, "b.bin", Readable.from([Buffer.alloc(600)]), { maxBytes: 1000 }),
      "TOO_LARGE",
    );
    await s.writeUploadFile(id, "c.bin", Readable.from([Buffer.alloc(10)]), { maxBytes: 1000 });
    await uploadError(
      s.writeUploadFile(id, "d.bin", Readable.from([Buffer.alloc(1)]), { maxBytes: 1000 }),
      "TOO_MANY_FILES",
    );
    assert.deepEqual(tree(s.filesDir(id)), ["a.bin", "c.bin"]);
  });

  it("refuses bad relative paths with the archive's rules, writing nothing", async () => {
    const s = staging();
    const { id, filesDir } = await s.createUpload();
    for (const bad of ["../evil", "/abs", "a/../../b", "..\\x", "a\0b", ""]) {
      const error = await uploadError(
        s.writeUploadFile(id, bad, Readable.from([Buffer.from("x")]), { maxBytes: 10 }),
        "BAD_PATH",
      );
      assert.equal(error.httpStatus, 400);
    }
    assert.deepEqual(tree(path.join(s.root, id)), ["files", "tmp"]);
    assert.deepEqual(tree(filesDir), []);
  });

  it("validates ids, so that an id cannot point anywhere else", async () => {
    const s = staging();
    await s.createUpload();
    for (const bad of ["../x", "..", "ABCDEF0123456789ABCDEF0123456789", "0".repeat(31), "0".repeat(32) + "/..", ""]) {
      assert.throws(
        () => s.filesDir(bad),
        (e: unknown) => e instanceof UploadError && e.code === "BAD_ID",
        bad,
      );
      await uploadError(s.writeUploadFile(bad, "x", Readable.from([]), { maxBytes: 1 }), "BAD_ID");
      await assert.rejects(s.discardUpload(bad), (e: unknown) => e instanceof UploadError && e.code === "BAD_ID");
    }
    await uploadError(s.writeUploadFile("0".repeat(32), "x", Readable.from([]), { maxBytes: 1 }), "NOT_FOUND");
  });

  it("refuses to replace a file, or to put a file under one", async () => {
    const s = staging();
    const { id } = await s.createUpload();
    await s.writeUploadFile(id, "onnx", Readable.from([Buffer.from("x")]), { maxBytes: 10 });
    await uploadError(s.writeUploadFile(id, "onnx", Readable.from([Buffer.from("y")]), { maxBytes: 10 }), "CONFLICT");
    await uploadError(
      s.writeUploadFile(id, "onnx/model.onnx", Readable.from([Buffer.from("y")]), { maxBytes: 10 }),
      "CONFLICT",
    );
    assert.equal(readFileSync(path.join(s.filesDir(id), "onnx"), "utf8"), "x");
    assert.deepEqual(readdirSync(path.join(s.root, id, "tmp")), []);
  });

  it("deletes the partial file when the client goes away", async () => {
    const s = staging();
    const { id } = await s.createUpload();
    async function* broken() {
      yield Buffer.alloc(10 * KiB);
      throw new Error("socket hang up");
    }
    await uploadError(s.writeUploadFile(id, "config.json", broken(), { maxBytes: 100 * KiB }), "ABORTED");
    assert.deepEqual(tree(path.join(s.root, id)), ["files", "tmp"]);
  });

  it("receives an archive into the model folder and deletes the archive", async () => {
    const s = staging();
    const { id, filesDir } = await s.createUpload();
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from("{}"), "my-model/config.json");
    zip.addBuffer(Buffer.alloc(1000, 1), "my-model/onnx/model.onnx");
    zip.end();
    const files = await s.receiveArchive(id, zip.outputStream as Readable, { maxBytes: 1024 * KiB });
    assert.deepEqual(
      files.map((f) => f.path),
      ["config.json", "onnx/model.onnx"],
    );
    assert.deepEqual(tree(filesDir), ["config.json", "onnx", "onnx/model.onnx"]);
    assert.deepEqual(readdirSync(path.join(s.root, id, "tmp")), []);
    await uploadError(s.receiveArchive(id, Readable.from([Buffer.from("PK")]), { maxBytes: 10 }), "CONFLICT");
  });

  it("leaves the model folder empty when an archive is refused", async () => {
    const s = staging();
    const { id, filesDir } = await s.createUpload();
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from("{}"), "config.json");
    zip.addBuffer(Buffer.from("/etc/passwd"), "link", { mode: 0o120777 });
    zip.end();
    await assert.rejects(
      s.receiveArchive(id, zip.outputStream as Readable, { maxBytes: 1024 * KiB }),
      (e: unknown) => e instanceof ArchiveError && e.code === "SYMLINK",
    );
    assert.deepEqual(tree(filesDir), []);
    assert.deepEqual(readdirSync(path.join(s.root, id, "tmp")), []);
  });

  it("discards uploads, and purges stale ones only", async () => {
    const s = staging();
    const a = await s.createUpload();
    const b = await s.createUpload();
    const c = await s.createUpload();
    mkdirSync(path.join(s.root, "not-an-upload"));
    assert.equal(await s.discardUpload(a.id), true);
    assert.equal(await s.discardUpload(a.id), false);
    assert.equal(existsSync(path.join(s.root, a.id)), false);

    const old = new Date(Date.now() - 3 * 3600_000);
    utimesSync(path.join(s.root, b.id), old, old);
    assert.deepEqual(await s.purgeStaleUploads(2 * 3600_000), [b.id]);
    assert.deepEqual(readdirSync(s.root).sort(), [c.id, "not-an-upload"].sort());
    await uploadError(s.writeUploadFile(b.id, "x", Readable.from([]), { maxBytes: 1 }), "NOT_FOUND");
  });
});
