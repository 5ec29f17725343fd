// The encoder-decoder fixtures through both ways a user brings a model — `npm run models -- add
// <folder>` (the admin request it sends) and an upload — validated as kind seq2seq, assigned to
// the app their family serves (Marian: Translate; BART: Summarise) and streaming there through
// the AI SDK the same text the engine gives when loaded directly; Chat refuses them.
import assert from "node:assert/strict";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { streamText } from "ai";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import type { AppName } from "../apps";
import { createApiKeys } from "../auth/api-keys";
import { createAuthService } from "../auth/auth-service";
import { isPublicError } from "../http-error";
import { loadModel } from "../inference";
import { seq2seqDir } from "../inference/test-helpers";
import { runAdminRequest, type AdminDeps } from "../local-admin/commands";
import { logger } from "../logger";
import { createUploadStaging } from "../uploads/staging";
import { createRegistry, type Registry } from "./registry";

const TEXT = "the cat sat on the mat";
const TOKENS = 8;

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

describe("seq2seq fixtures through the registry", { timeout: 300_000 }, () => {
  let database: Database;
  let registry: Registry;
  let deps: AdminDeps;
  let root: string;

  before(async () => {
    database = await openTestDatabase();
    root = mkdtempSync(path.join(tmpdir(), "loom-seq2seq-"));
    registry = createRegistry({
      db: database.db,
      modelsDir: path.join(root, "store"),
      logger,
      loadOptions: { session: { device: "cpu" } },
    });
    await registry.sync();
    deps = {
      auth: createAuthService(database.db),
      apiKeys: createApiKeys(database.db),
      registry,
      uploads: createUploadStaging({ dataDir: path.join(root, "data") }),
      maxUploadBytes: 64 * 1024 * 1024,
    };
  });
  after(async () => {
    await registry.close();
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function direct(dir: string): Promise<string> {
    const model = await loadModel(dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
    try {
      assert.equal(model.kind, "seq2seq");
      if (model.kind !== "seq2seq") throw new Error("not seq2seq");
      for await (const e of model.generate({ prompt: TEXT, maxNewTokens: TOKENS, temperature: 0, ignoreEos: true }))
        if (e.type === "finish") return e.text;
      throw new Error("no finish");
    } finally {
      await model.dispose();
    }
  }

  async function streamsIn(app: AppName, id: string, expected: string) {
    const { row, model } = await registry.languageModel(app, id);
    assert.equal(row.id, id);
    const result = streamText({
      model,
      prompt: TEXT,
      maxOutputTokens: TOKENS,
      temperature: 0,
      providerOptions: { loom: { ignoreEos: true } },
    });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, expected);
  }

  for (const [family, app] of [
    ["marian", "translate"],
    ["bart", "summarize"],
    ["t5", "summarize"],
  ] as const) {
    test(`${family}: models add <folder>, then an upload; kind seq2seq, assigned to ${app}, streams there`, async () => {
      const dir = path.join(seq2seqDir, family);
      const expected = await direct(dir);
      assert.ok(expected.length > 0);

      const lines = await runAdminRequest(deps, { command: "models:add", source: dir, id: `${family}-cli` });
      assert.match(lines[0]!, new RegExp(`^Installed ${family}-cli \\(seq2seq, `));
      const cli = (await registry.listModels()).find((r) => r.id === `${family}-cli`)!;
      assert.equal(cli.status, "ready");
      assert.equal(cli.kind, "seq2seq");
      await registry.assign(app, `${family}-cli`, false);
      await streamsIn(app, `${family}-cli`, expected);
      await assert.rejects(
        registry.assign("chat", `${family}-cli`, false),
        (e: unknown) => isPublicError(e) && e.code === "WRONG_MODEL_KIND",
      );
      await assert.rejects(
        registry.assign("code", `${family}-cli`, false),
        (e: unknown) => isPublicError(e) && e.code === "WRONG_MODEL_KIND",
      );

      const upload = await deps.uploads.createUpload();
      for (const rel of await filesUnder(dir))
        await deps.uploads.writeUploadFile(upload.id, rel, createReadStream(path.join(dir, rel)), {
          maxBytes: 16 * 1024 * 1024,
        });
      const { row, declaredApps } = await registry.installUploaded(upload.filesDir, {
        modelId: `${family}-upload`,
        uploadedBy: null,
      });
      // What the admin page offers to assign: the app the family serves (folder-info.ts).
      assert.ok(declaredApps.includes(app), declaredApps.join());
      await registry.assign(app, `${family}-upload`, false);
      await deps.uploads.discardUpload(upload.id);
      assert.equal(row.status, "ready");
      assert.equal(row.kind, "seq2seq");
      await streamsIn(app, `${family}-upload`, expected);
    });
  }
});
