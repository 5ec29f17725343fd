// Every decoder family fixture goes through both ways a user brings a model — `npm run models --
// add <folder>` (the admin request it sends) and an upload (files streamed into a staging
// session, then installed) — is validated, assigned to Chat and streams there through the AI SDK,
// the same text the engine gives when loaded directly.
import assert from "node:assert/strict";
import { createReadStream, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { streamText } from "ai";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { createApiKeys } from "../auth/api-keys";
import { createAuthService } from "../auth/auth-service";
import { loadCausalLM } from "../inference";
import { runAdminRequest, type AdminDeps } from "../local-admin/commands";
import { logger } from "../logger";
import { createUploadStaging } from "../uploads/staging";
import { createRegistry, type Registry } from "./registry";

const fixturesDir = fileURLToPath(new URL("../inference/__fixtures__/", import.meta.url));
// Each family fixture, and the onnxruntime-genai layout one (genai_config.json, GroupQueryAttention).
const families = (() => {
  try {
    return [...readdirSync(path.join(fixturesDir, "families")).map((f) => `families/${f}`), "genai-llama"].sort();
  } catch {
    return [];
  }
})();
const MESSAGES = [{ role: "user" as const, content: "Hello, who are you?" }];
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

describe(
  "family fixtures through the registry",
  { skip: families.length === 0 && "no family fixtures", timeout: 300_000 },
  () => {
    let database: Database;
    let registry: Registry;
    let deps: AdminDeps;
    let root: string;

    before(async () => {
      database = await openTestDatabase();
      root = mkdtempSync(path.join(tmpdir(), "loom-families-"));
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

    /** The engine's own greedy text for MESSAGES, loaded straight from the fixture folder. */
    async function direct(dir: string): Promise<string> {
      const model = await loadCausalLM(dir, { session: { device: "cpu" }, logger: { info() {}, warn() {} } });
      try {
        for await (const e of model.generate({
          messages: MESSAGES,
          maxNewTokens: TOKENS,
          temperature: 0,
          ignoreEos: true,
        }))
          if (e.type === "finish") return e.text;
        throw new Error("no finish");
      } finally {
        await model.dispose();
      }
    }

    async function streamsInChat(id: string, expected: string) {
      await registry.assign("chat", id, true);
      const { row, model } = await registry.languageModel("chat");
      assert.equal(row.id, id);
      const result = streamText({
        model,
        messages: MESSAGES,
        maxOutputTokens: TOKENS,
        temperature: 0,
        providerOptions: { loom: { ignoreEos: true } },
      });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      assert.equal(text, expected);
      await registry.unassign("chat", id);
    }

    for (const family of families) {
      test(`${path.basename(family)}: models add <folder>, then an upload of the same files; both stream in Chat`, async () => {
        const dir = path.join(fixturesDir, family);
        const id = path.basename(family);
        const expected = await direct(dir);
        assert.ok(expected.length > 0, "the engine writes some text");

        const lines = await runAdminRequest(deps, { command: "models:add", source: dir, id: `${id}-cli` });
        assert.match(lines[0]!, new RegExp(`^Installed ${id}-cli \\(causal-lm, `));
        const cli = (await registry.listModels()).find((r) => r.id === `${id}-cli`)!;
        assert.equal(cli.status, "ready");
        for (const f of await filesUnder(dir))
          assert.ok(
            cli.files.some((x) => x.path === f),
            `installed with ${f}`,
          );
        await streamsInChat(`${id}-cli`, expected);

        // The upload: each file of the folder streamed in (the browser's folder drop), then installed.
        const upload = await deps.uploads.createUpload();
        for (const rel of await filesUnder(dir))
          await deps.uploads.writeUploadFile(upload.id, rel, createReadStream(path.join(dir, rel)), {
            maxBytes: 16 * 1024 * 1024,
          });
        const { row } = await registry.installUploaded(upload.filesDir, {
          modelId: `${id}-upload`,
          uploadedBy: null,
        });
        await deps.uploads.discardUpload(upload.id);
        assert.equal(row.status, "ready");
        await streamsInChat(`${id}-upload`, expected);
      });
    }
  },
);
