import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import zlib from "node:zlib";
import * as tar from "tar";
import yazl from "yazl";
import { ArchiveError, extractArchive, safeRelativePath, type ArchiveErrorCode, type ExtractOptions } from "./index";

const root = mkdtempSync(path.join(os.tmpdir(), "loom-archive-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const scratch = (name: string) => path.join(root, `${++counter}-${name}`);
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// zip builder (yazl), with byte patches for names yazl itself refuses to write

interface ZipItem {
  name: string;
  data?: Buffer | string;
  dir?: boolean;
  mode?: number;
  compress?: boolean;
}

async function zipBuffer(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.dir) zip.addEmptyDirectory(item.name, { mode: item.mode });
    else
      zip.addBuffer(Buffer.from(item.data ?? ""), item.name, {
        mode: item.mode,
        compress: item.compress ?? true,
      });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of each placeholder (local header and central directory) by a same-length name. */
function patchNames(zip: Buffer, renames: Record<string, string>): Buffer {
  for (const [from, to] of Object.entries(renames)) {
    const a = Buffer.from(from);
    const b = Buffer.from(to);
    assert.equal(a.length, b.length, "a patched name keeps its length");
    let at = zip.indexOf(a);
    assert.notEqual(at, -1);
    for (; at !== -1; at = zip.indexOf(a, at + 1)) b.copy(zip, at);
  }
  return zip;
}

/** Makes the central directory (what yauzl reads) declare `size` uncompressed bytes for every entry. */
function lieAboutSize(zip: Buffer, size: number): Buffer {
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  let patched = 0;
  for (let at = zip.indexOf(signature); at !== -1; at = zip.indexOf(signature, at + 1)) {
    zip.writeUInt32LE(size, at + 24);
    patched++;
  }
  assert.ok(patched > 0);
  return zip;
}

function save(buffer: Buffer, name: string): string {
  const file = scratch(name);
  writeFileSync(file, buffer);
  return file;
}

// ---------------------------------------------------------------------------------------------
// tar builder (hand-made ustar headers: any name, any type), gzip on top

interface TarItem {
  name: string;
  data?: Buffer | string;
  /** ustar typeflag: "0" file, "1" hard link, "2" symlink, "3" char device, "5" dir, "6" fifo, "x" pax header. */
  type?: string;
  linkname?: string;
  /** Declared size, when it should differ from the data (to forge a header). */
  size?: number;
}

function tarHeader(item: TarItem, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(item.name, 0, 100, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  h.write(size.toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.write("00000000000\0", 136, "latin1");
  h.write(item.type ?? "0", 156, "latin1");
  if (item.linkname) h.write(item.linkname, 157, 100, "utf8");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

function tarBuffer(items: TarItem[], trailer = Buffer.alloc(1024)): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const data = Buffer.from(item.data ?? "");
    parts.push(tarHeader(item, item.size ?? data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(trailer);
  return Buffer.concat(parts);
}

const tgz = (items: TarItem[]) => zlib.gzipSync(tarBuffer(items), { level: 1 });

// ---------------------------------------------------------------------------------------------
// a small model folder on disk

function modelFolder(): { dir: string; files: Record<string, Buffer> } {
  const dir = path.join(scratch("src"), "my-model");
  const files: Record<string, Buffer> = {
    "config.json": Buffer.from(JSON.stringify({ model_type: "llama" })),
    "generation_config.json": Buffer.from("{}"),
    "tokenizer.json": Buffer.from(JSON.stringify({ model: { vocab: { a: 0 } } })),
    "README.md": Buffer.from("# my model\n"),
    "onnx/model.onnx": randomBytes(200_000),
    "onnx/model.onnx_data": randomBytes(300_000),
  };
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  }
  return { dir, files };
}

function assertExtracted(
  dest: string,
  result: Awaited<ReturnType<typeof extractArchive>>,
  files: Record<string, Buffer>,
) {
  assert.deepEqual(result.map((f) => f.path).sort(), Object.keys(files).sort());
  for (const f of result) {
    assert.equal(f.bytes, files[f.path].length, f.path);
    assert.equal(f.sha256, sha256(files[f.path]), f.path);
    assert.ok(readFileSync(path.join(dest, f.path)).equals(files[f.path]), f.path);
  }
  assert.deepEqual(readdirSync(dest).sort(), [
    "README.md",
    "config.json",
    "generation_config.json",
    "onnx",
    "tokenizer.json",
  ]);
}

/** Extracts and expects a refusal with `code` whose message names `mention`; the destination must be gone. */
async function refused(
  archive: string,
  code: ArchiveErrorCode,
  mention?: string,
  options?: ExtractOptions,
): Promise<ArchiveError> {
  const dest = scratch("dest");
  try {
    await extractArchive(archive, dest, options);
  } catch (error) {
    assert.ok(error instanceof ArchiveError, `expected ArchiveError, got ${(error as Error)?.stack}`);
    assert.equal(error.code, code, error.message);
    if (mention !== undefined) assert.ok(error.message.includes(mention), `"${error.message}" should name ${mention}`);
    assert.equal(existsSync(dest), false, "nothing is left behind");
    return error;
  }
  assert.fail(`expected a refusal (${code})`);
}

// ---------------------------------------------------------------------------------------------

describe("safeRelativePath", () => {
  it("normalises harmless paths", () => {
    assert.equal(safeRelativePath("onnx/model.onnx"), "onnx/model.onnx");
    assert.equal(safeRelativePath("./onnx//model.onnx"), "onnx/model.onnx");
    assert.equal(safeRelativePath("dir/"), "dir");
    assert.equal(safeRelativePath("a..b/c...d"), "a..b/c...d");
  });
  it("refuses everything that could escape or mislead", () => {
    const cases: Array<[string, ArchiveErrorCode]> = [
      ["../evil", "PATH_TRAVERSAL"],
      ["a/../../b", "PATH_TRAVERSAL"],
      ["a/../b", "PATH_TRAVERSAL"],
      ["..", "PATH_TRAVERSAL"],
      ["/abs", "ABSOLUTE_PATH"],
      ["C:/x", "ABSOLUTE_PATH"],
      ["c:x", "ABSOLUTE_PATH"],
      ["..\\x", "BAD_NAME"],
      ["C:\\x", "BAD_NAME"],
      ["a\\..\\..\\b", "BAD_NAME"],
      ["a\0b", "BAD_NAME"],
      ["a\nb", "BAD_NAME"],
      ["a\u0085b", "BAD_NAME"],
      ["", "BAD_NAME"],
      ["./", "BAD_NAME"],
      ["x".repeat(256), "BAD_NAME"],
      [Array(40).fill("d").join("/"), "BAD_NAME"],
    ];
    for (const [name, code] of cases) {
      assert.throws(
        () => safeRelativePath(name),
        (e: unknown) => e instanceof ArchiveError && e.code === code && e.httpStatus === 400,
        JSON.stringify(name),
      );
    }
  });
  it("shows control characters escaped in the message", () => {
    assert.throws(() => safeRelativePath("a\0b"), /"a\\u0000b"/);
  });
});

describe("extractArchive: good archives", () => {
  it("extracts a zip of a folder, strips the top folder, skips macOS metadata, hashes while streaming", async () => {
    const { files } = modelFolder();
    const zip = await zipBuffer([
      { name: "my-model/", dir: true },
      { name: "my-model/onnx/", dir: true },
      ...Object.entries(files).map(([rel, data]) => ({ name: `my-model/${rel}`, data, compress: rel !== "README.md" })),
      { name: "my-model/empty-dir/", dir: true },
      { name: "__MACOSX/my-model/._config.json", data: "junk" },
      { name: "my-model/.DS_Store", data: "junk" },
      { name: "my-model/._config.json", data: "junk" },
    ]);
    const dest = scratch("dest");
    let progress = 0;
    const result = await extractArchive(save(zip, "model.zip"), dest, { onProgress: (n) => (progress = n) });
    assert.deepEqual(readdirSync(path.join(dest, "empty-dir")), [], "empty folders are kept");
    rmSync(path.join(dest, "empty-dir"), { recursive: true });
    assertExtracted(dest, result, files);
    assert.equal(
      progress,
      Object.values(files).reduce((n, b) => n + b.length, 0),
    );
  });

  it("extracts a .tar.gz made by node-tar from a real folder (top folder stripped)", async () => {
    const { dir, files } = modelFolder();
    const archive = scratch("model.tgz");
    await tar.create({ gzip: true, file: archive, cwd: path.dirname(dir) }, ["my-model"]);
    const dest = scratch("dest");
    assertExtracted(dest, await extractArchive(archive, dest), files);
  });

  it("extracts a plain .tar whose files sit at the root ('./' prefixes), without stripping", async () => {
    const { dir, files } = modelFolder();
    const archive = scratch("model.tar");
    await tar.create({ file: archive, cwd: dir }, ["."]);
    const dest = scratch("dest");
    assertExtracted(dest, await extractArchive(archive, dest), files);
  });

  it("detects the format by content, not by name, and fills an existing empty folder", async () => {
    const zip = await zipBuffer([{ name: "config.json", data: "{}" }]);
    const dest = scratch("dest");
    mkdirSync(dest);
    const result = await extractArchive(save(zip, "model.tar.gz"), dest);
    assert.deepEqual(result, [{ path: "config.json", bytes: 2, sha256: sha256("{}") }]);
  });

  it("ignores whatever follows the tar end marker", async () => {
    const tarred = tarBuffer(
      [{ name: "config.json", data: "{}" }],
      Buffer.concat([Buffer.alloc(1024), randomBytes(4096)]),
    );
    const dest = scratch("dest");
    const result = await extractArchive(save(zlib.gzipSync(tarred), "t.tgz"), dest);
    assert.deepEqual(
      result.map((f) => f.path),
      ["config.json"],
    );
  });

  it("refuses a destination that is not empty, without touching it", async () => {
    const zip = save(await zipBuffer([{ name: "config.json", data: "{}" }]), "a.zip");
    const dest = scratch("dest");
    mkdirSync(dest);
    writeFileSync(path.join(dest, "keep"), "x");
    await assert.rejects(extractArchive(zip, dest), /not empty/);
    assert.deepEqual(readdirSync(dest), ["keep"]);
  });
});

describe("extractArchive: hostile zip archives", () => {
  const placeholders = async (name: string, placeholder: string, extra: ZipItem[] = []) =>
    save(
      patchNames(await zipBuffer([{ name: "ok.json", data: "{}" }, ...extra, { name: placeholder, data: "pwned" }]), {
        [placeholder]: name,
      }),
      "hostile.zip",
    );

  it("refuses ../evil", async () => {
    await refused(await placeholders("../evil", "zz/evil"), "PATH_TRAVERSAL", "../evil");
  });
  it("refuses /abs", async () => {
    await refused(await placeholders("/abs", "zabs"), "ABSOLUTE_PATH", "/abs");
  });
  it("refuses a/../../b (escapes after normalisation)", async () => {
    await refused(await placeholders("a/../../b", "a/zz/zz/b"), "PATH_TRAVERSAL", "a/../../b");
  });
  it("refuses a backslash trick ..\\x and C:\\x", async () => {
    await refused(await placeholders("..\\x", "zzzx"), "BAD_NAME", "..\\x");
    await refused(await placeholders("C:\\x", "Czzx"), "BAD_NAME", "C:\\x");
  });
  it("refuses a NUL in a name", async () => {
    await refused(await placeholders("a\0b.json", "azb.json"), "BAD_NAME", "a\\u0000b.json");
  });
  it("refuses a symlink entry (unix mode bits)", async () => {
    const zip = await zipBuffer([
      { name: "config.json", data: "{}" },
      { name: "link", data: "/etc/passwd", mode: 0o120777 },
    ]);
    await refused(save(zip, "s.zip"), "SYMLINK", "link");
  });
  it("refuses a fifo entry", async () => {
    await refused(save(await zipBuffer([{ name: "pipe", data: "", mode: 0o010644 }]), "f.zip"), "SPECIAL_FILE", "pipe");
  });
  it("refuses a duplicate entry, and a name used as file and folder", async () => {
    const dup = await zipBuffer([
      { name: "config.json", data: "{}" },
      { name: "config.json", data: '{"evil":1}' },
    ]);
    await refused(save(dup, "d.zip"), "DUPLICATE_PATH", "config.json");
    const clash = await zipBuffer([
      { name: "onnx", data: "x" },
      { name: "onnx/model.onnx", data: "y" },
    ]);
    await refused(save(clash, "c.zip"), "DUPLICATE_PATH", "onnx/model.onnx");
  });
  it("refuses too many entries (default 1000) before writing anything", async () => {
    const items = Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.txt`, data: "", compress: false }));
    await refused(save(await zipBuffer(items), "many.zip"), "TOO_MANY_ENTRIES", "1000");
  });
  it("refuses a 50 MB bomb over a 10 MB limit from its declared size, writing nothing", async () => {
    const zip = await zipBuffer([{ name: "zeros.bin", data: Buffer.alloc(50 * MiB) }]);
    assert.ok(zip.length < 200_000, `a bomb is small (${zip.length})`);
    let written = 0;
    const options = { maxTotalBytes: 10 * MiB, onProgress: (n: number) => (written = n) };
    await refused(save(zip, "bomb.zip"), "TOTAL_TOO_LARGE", "10 MiB", options);
    assert.equal(written, 0);
    await refused(save(zip, "bomb.zip"), "FILE_TOO_LARGE", "zeros.bin", { maxFileBytes: 10 * MiB });
    await refused(save(zip, "bomb.zip"), "COMPRESSION_RATIO", "zeros.bin", {
      maxCompressionRatio: 100,
      ratioCheckAfterBytes: MiB,
    });
  });
  it("stops a zip whose central directory lies about the size as soon as the real bytes pass it", async () => {
    const zip = lieAboutSize(
      await zipBuffer([{ name: "zeros.bin", data: Buffer.alloc(50 * MiB) }]),
      1 * MiB, // declared: 1 MiB (under every limit); real: 50 MiB
    );
    let written = 0;
    const error = await refused(save(zip, "liar.zip"), "SIZE_MISMATCH", "zeros.bin", {
      maxTotalBytes: 10 * MiB,
      onProgress: (n) => (written = n),
    });
    assert.ok(written <= 1 * MiB, `stopped early (${written} bytes written)`);
    assert.equal(error.entry, "zeros.bin");
  });
  it("removes the files already written when a later entry fails", async () => {
    const zip = await zipBuffer([
      { name: "a/one.bin", data: Buffer.alloc(4 * MiB, 1) },
      { name: "a/two.bin", data: Buffer.alloc(4 * MiB, 1) },
    ]);
    // Corrupt the second entry's CRC in the central directory: found only after writing it.
    const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE((zip.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    const dest = scratch("dest");
    mkdirSync(dest);
    await assert.rejects(extractArchive(save(zip, "crc.zip"), dest), (e: unknown) => {
      return e instanceof ArchiveError && e.code === "CORRUPT" && /two\.bin/.test(e.message);
    });
    assert.deepEqual(readdirSync(dest), [], "the existing destination is emptied, not removed");
  });
  it("refuses files that are not archives", async () => {
    await refused(save(Buffer.from("just text, not an archive"), "x.zip"), "UNSUPPORTED_FORMAT");
    await refused(
      save(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]), "x.tar.xz"),
      "UNSUPPORTED_FORMAT",
      "xz",
    );
    await refused(save(Buffer.concat([Buffer.from("PK\x03\x04"), randomBytes(100)]), "broken.zip"), "CORRUPT");
  });
});

describe("extractArchive: hostile tar archives", () => {
  const file = (name: string, data = "x"): TarItem => ({ name, data });
  const ok = file("config.json", "{}");

  it("refuses ../evil, /abs, a/../../b and backslashes", async () => {
    await refused(save(tgz([ok, file("../evil")]), "t.tgz"), "PATH_TRAVERSAL", "../evil");
    await refused(save(tgz([ok, file("/abs")]), "t.tgz"), "ABSOLUTE_PATH", "/abs");
    await refused(save(tgz([ok, file("a/../../b")]), "t.tgz"), "PATH_TRAVERSAL", "a/../../b");
    await refused(save(tgz([ok, file("..\\x")]), "t.tgz"), "BAD_NAME", "..\\x");
  });
  it("refuses a control character in a name (a NUL ends a tar name by format)", async () => {
    await refused(save(tgz([ok, file("a\u0001b")]), "t.tgz"), "BAD_NAME", "a\\u0001b");
  });
  it("refuses a real symlink packed by node-tar", async () => {
    const { dir } = modelFolder();
    symlinkSync("/etc/passwd", path.join(dir, "tokenizer_config.json"));
    const archive = scratch("link.tgz");
    await tar.create({ gzip: true, file: archive, cwd: path.dirname(dir) }, ["my-model"]);
    await refused(archive, "SYMLINK", "my-model/tokenizer_config.json");
  });
  it("refuses hard links, devices and fifos", async () => {
    await refused(save(tgz([ok, { name: "h", type: "1", linkname: "/etc/passwd" }]), "t.tgz"), "HARDLINK", '"h"');
    await refused(save(tgz([ok, { name: "tty", type: "3" }]), "t.tgz"), "SPECIAL_FILE", "tty");
    await refused(save(tgz([ok, { name: "fifo", type: "6" }]), "t.tgz"), "SPECIAL_FILE", "fifo");
    await refused(save(tgz([ok, { name: "sparse", type: "S" }]), "t.tgz"), "UNSUPPORTED_ENTRY", "sparse");
  });
  it("refuses duplicates and too many entries", async () => {
    await refused(save(tgz([ok, file("config.json", "{1}")]), "t.tgz"), "DUPLICATE_PATH", "config.json");
    await refused(save(tgz([ok, file("a"), file("b"), file("c")]), "t.tgz"), "TOO_MANY_ENTRIES", "3", {
      maxEntries: 3,
    });
  });
  it("stops a tar.gz bomb at the total limit and removes what was written", async () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ name: `m/zeros${i}.bin`, data: Buffer.alloc(3 * MiB) }));
    const archive = save(zlib.gzipSync(tarBuffer(items)), "bomb.tgz");
    let written = 0;
    await refused(archive, "TOTAL_TOO_LARGE", "10 MiB", { maxTotalBytes: 10 * MiB, onProgress: (n) => (written = n) });
    assert.ok(written > 0 && written <= 10 * MiB, `stopped at the limit (${written} bytes written)`);
  });
  it("refuses damaged archives", async () => {
    const good = tarBuffer([ok, file("b", "hello")]);
    const badSum = Buffer.from(good);
    badSum[0] ^= 1; // name changes, checksum no longer matches
    await refused(save(zlib.gzipSync(badSum), "t.tgz"), "CORRUPT");
    await refused(save(zlib.gzipSync(good).subarray(0, 40), "t.tgz"), "CORRUPT");
    const truncated = tarBuffer([ok, { name: "big", data: "short", size: 100_000 }], Buffer.alloc(0));
    await refused(save(zlib.gzipSync(truncated), "t.tgz"), "CORRUPT");
    await refused(save(zlib.gzipSync(zlib.gzipSync(good)), "t.tgz"), "UNSUPPORTED_FORMAT", "twice");
    await refused(save(tgz([]), "t.tgz"), "EMPTY");
  });
});
