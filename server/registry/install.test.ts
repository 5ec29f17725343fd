import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  checkModelId,
  InstallError,
  installModelFolder,
  purgeStoreLeftovers,
  removeModelFolder,
  type InstallErrorCode,
} from "./install";

const root = mkdtempSync(path.join(os.tmpdir(), "loom-install-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A store holding one model already, and a staged folder to install. */
function setup(base = root): { store: string; source: string } {
  const dir = path.join(base, `case${++counter}`);
  const store = path.join(dir, "models");
  mkdirSync(path.join(store, "existing"), { recursive: true });
  writeFileSync(path.join(store, "existing", "config.json"), "{}");
  const source = path.join(dir, "uploads", "abc", "files");
  mkdirSync(path.join(source, "onnx"), { recursive: true });
  writeFileSync(path.join(source, "config.json"), '{"model_type":"llama"}');
  writeFileSync(path.join(source, "onnx", "model.onnx"), Buffer.alloc(1000, 1));
  return { store, source };
}

const listing = (dir: string) => readdirSync(dir).sort();
const ok = async () => "validated";

async function installError(promise: Promise<unknown>, code: InstallErrorCode): Promise<InstallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof InstallError, `expected InstallError, got ${(error as Error)?.stack}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected an InstallError (${code})`);
}

describe("installModelFolder", () => {
  it("validates, then moves the folder into the store in one rename", async () => {
    const { store, source } = setup();
    let validated: string | undefined;
    const result = await installModelFolder({
      sourceDir: source,
      storeDir: store,
      modelId: "my-model.v2_q4",
      validate: async (dir) => {
        validated = dir;
        assert.equal(existsSync(path.join(store, "my-model.v2_q4")), false, "invisible while validating");
        return { kind: "causal-lm" };
      },
    });
    assert.equal(validated, source);
    assert.deepEqual(result, {
      modelId: "my-model.v2_q4",
      dir: path.join(store, "my-model.v2_q4"),
      validation: { kind: "causal-lm" },
    });
    assert.deepEqual(listing(store), ["existing", "my-model.v2_q4"]);
    assert.equal(readFileSync(path.join(store, "my-model.v2_q4", "onnx", "model.onnx")).length, 1000);
    assert.equal(existsSync(source), false);
  });

  it("leaves the store unchanged and removes the staging folder when validation fails", async () => {
    const { store, source } = setup();
    const before = listing(store);
    const failure = Object.assign(new Error("the graph does not load"), { httpStatus: 422 });
    await assert.rejects(
      installModelFolder({
        sourceDir: source,
        storeDir: store,
        modelId: "broken",
        validate: async () => {
          throw failure;
        },
      }),
      (e: unknown) => e === failure,
    );
    assert.deepEqual(listing(store), before);
    assert.equal(existsSync(source), false, "the staging folder is removed");
  });

  it("refuses a taken id before validating, changing nothing", async () => {
    const { store, source } = setup();
    let called = false;
    const validate = async () => {
      called = true;
    };
    const error = await installError(
      installModelFolder({ sourceDir: source, storeDir: store, modelId: "existing", validate }),
      "ID_TAKEN",
    );
    assert.equal(error.httpStatus, 409);
    assert.equal(called, false);
    assert.deepEqual(listing(store), ["existing"]);
    assert.deepEqual(listing(path.join(store, "existing")), ["config.json"]);
    assert.ok(existsSync(source), "the source stays, to retry under another id");
  });

  it("refuses ids that are not slugs", async () => {
    const { store, source } = setup();
    const bad = ["", "../x", "..", "a..b", ".hidden", "-x", "Upper", "a/b", "a\\b", "a b", "x".repeat(129), "é"];
    for (const modelId of bad) {
      const error = await installError(
        installModelFolder({ sourceDir: source, storeDir: store, modelId, validate: ok }),
        "BAD_MODEL_ID",
      );
      assert.equal(error.httpStatus, 400);
    }
    assert.equal(checkModelId("x".repeat(128)), "x".repeat(128));
    assert.deepEqual(listing(store), ["existing"]);
    assert.ok(existsSync(source));
  });

  it("refuses a missing source", async () => {
    const { store } = setup();
    await installError(
      installModelFolder({ sourceDir: path.join(root, "nope"), storeDir: store, modelId: "m", validate: ok }),
      "SOURCE_MISSING",
    );
  });

  it("copies through storeDir/.incoming when the rename crosses devices (simulated EXDEV)", async () => {
    const { store, source } = setup();
    const calls: Array<[string, string]> = [];
    const crossDevice: typeof rename = async (from, to) => {
      calls.push([String(from), String(to)]);
      if (String(from) === source)
        throw Object.assign(new Error("EXDEV: cross-device link not permitted"), { code: "EXDEV" });
      return rename(from, to);
    };
    const result = await installModelFolder({
      sourceDir: source,
      storeDir: store,
      modelId: "copied",
      validate: ok,
      renameImpl: crossDevice,
    });
    assert.equal(calls.length, 2);
    assert.match(calls[1][0], /[/\\]\.incoming[/\\]copied-[0-9a-f]+$/);
    assert.equal(calls[1][1], result.dir);
    assert.deepEqual(listing(store), ["copied", "existing"], "no .incoming left behind");
    assert.deepEqual(readdirSync(result.dir, { recursive: true }).map(String).sort(), [
      "config.json",
      "onnx",
      "onnx/model.onnx",
    ]);
    assert.equal(existsSync(source), false);
  });

  it("leaves the store unchanged when the cross-device copy fails", async () => {
    const { store, source } = setup();
    symlinkSync("/etc/passwd", path.join(source, "onnx", "evil"));
    const crossDevice: typeof rename = async (from, to) => {
      if (String(from) === source) throw Object.assign(new Error("EXDEV"), { code: "EXDEV" });
      return rename(from, to);
    };
    await installError(
      installModelFolder({
        sourceDir: source,
        storeDir: store,
        modelId: "copied",
        validate: ok,
        renameImpl: crossDevice,
      }),
      "UNSUPPORTED_FILE",
    );
    assert.deepEqual(listing(store), ["existing"]);
    assert.ok(existsSync(source));
  });

  const shm = "/dev/shm";
  const otherDevice = existsSync(shm) && statSync(shm).dev !== statSync(root).dev;
  it(
    "installs from a staging folder on another file system (real EXDEV)",
    { skip: otherDevice ? false : "no second file system (/dev/shm) at hand" },
    async () => {
      const base = mkdtempSync(path.join(shm, "loom-install-"));
      try {
        const { source } = setup(base);
        const { store } = setup();
        const result = await installModelFolder({
          sourceDir: source,
          storeDir: store,
          modelId: "from-tmpfs",
          validate: ok,
        });
        assert.deepEqual(listing(store), ["existing", "from-tmpfs"]);
        assert.equal(readFileSync(path.join(result.dir, "config.json"), "utf8"), '{"model_type":"llama"}');
        assert.equal(existsSync(source), false);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  );
});

describe("removeModelFolder", () => {
  it("removes a model whole, through a .trash- folder", async () => {
    const { store } = setup();
    await removeModelFolder(store, "existing");
    assert.deepEqual(listing(store), []);
    await installError(removeModelFolder(store, "existing"), "NOT_FOUND");
    await installError(removeModelFolder(store, "../models"), "BAD_MODEL_ID");
  });

  it("purges leftovers of interrupted removals and old interrupted copies", async () => {
    const { store } = setup();
    mkdirSync(path.join(store, ".trash-old-123", "onnx"), { recursive: true });
    mkdirSync(path.join(store, ".incoming", "stale-1"), { recursive: true });
    mkdirSync(path.join(store, ".incoming", "running-2"), { recursive: true });
    const old = new Date(Date.now() - 48 * 3600_000);
    utimesSync(path.join(store, ".incoming", "stale-1"), old, old);
    assert.deepEqual((await purgeStoreLeftovers(store)).sort(), [".incoming/stale-1", ".trash-old-123"]);
    assert.deepEqual(listing(store), [".incoming", "existing"]);
    assert.deepEqual(listing(path.join(store, ".incoming")), ["running-2"]);
  });
});
