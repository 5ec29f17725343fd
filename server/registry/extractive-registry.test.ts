// The registry with the shipped extractive summariser (models/loom-extract) and a language model
// that also declares Summarise: real folders, real engine, real database.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { logger } from "../logger";
import { createRegistry, type Registry } from "./registry";

const fixtures = fileURLToPath(new URL("../inference/__fixtures__/", import.meta.url));
const extractDir = fileURLToPath(new URL("../../models/loom-extract/", import.meta.url));

describe("registry and the extractive-summarizer kind", () => {
  let database: Database;
  let registry: Registry;
  let store: string;

  before(async () => {
    database = await openTestDatabase();
    store = mkdtempSync(path.join(tmpdir(), "loom-store-"));
    // "a-llm" sorts first and declares Summarise too: the dedicated kind must still be the default.
    cpSync(path.join(fixtures, "tiny-llama"), path.join(store, "a-llm"), { recursive: true });
    const llmConfig = path.join(store, "a-llm", "config.json");
    const config = JSON.parse(readFileSync(llmConfig, "utf8")) as Record<string, unknown>;
    writeFileSync(llmConfig, JSON.stringify({ ...config, loom: { tasks: ["chat", "summarize"] } }));
    // The summariser's copy also claims Chat: its kind cannot serve it, so it is not offered there.
    cpSync(extractDir, path.join(store, "loom-extract"), { recursive: true });
    const extractConfig = path.join(store, "loom-extract", "config.json");
    const ec = JSON.parse(readFileSync(extractConfig, "utf8")) as { loom: Record<string, unknown> };
    writeFileSync(extractConfig, JSON.stringify({ ...ec, loom: { ...ec.loom, tasks: ["summarize", "chat"] } }));
    registry = createRegistry({
      db: database.db,
      modelsDir: store,
      logger,
      loadOptions: { session: { device: "cpu" } },
    });
    await registry.sync();
  });
  after(async () => {
    await registry.close();
    await database.close();
    rmSync(store, { recursive: true, force: true });
  });

  test("validates the folder as its own kind and offers it to Summarise only, as the default", async () => {
    const row = (await registry.listModels()).find((r) => r.id === "loom-extract")!;
    assert.equal(row.status, "ready", row.statusReason ?? "");
    assert.equal(row.kind, "extractive-summarizer");
    assert.equal(row.architecture, "LoomSentenceScorer");
    assert.equal(row.displayName, "Loom Extract");
    assert.deepEqual(
      (await registry.modelsForApp("summarize")).map((m) => [m.id, m.isDefault]),
      [
        ["loom-extract", true],
        ["a-llm", false],
      ],
    );
    assert.deepEqual(
      (await registry.modelsForApp("chat")).map((m) => m.id),
      ["a-llm"],
    );
  });

  test("Summarise gets the summariser by default and the language model when it is asked for", async () => {
    const extractive = await registry.extractiveSummarizer();
    assert.equal(extractive?.row.id, "loom-extract");
    const summary = await extractive!.model.summarize("First point here. Second point there. Third one.", 1);
    assert.equal(summary.sentences.length, 1);
    assert.equal(await registry.extractiveSummarizer("a-llm"), undefined);
    const { row } = await registry.languageModel("summarize", "a-llm");
    assert.equal(row.id, "a-llm");
    await assert.rejects(registry.languageModel("summarize", "loom-extract"), { httpStatus: 409 });
  });

  test("assignment rules: the summariser serves no other app; an LLM can become Summarise's default", async () => {
    for (const app of ["chat", "translate", "code", "sentiment"] as const)
      await assert.rejects(registry.assign(app, "loom-extract", false), { httpStatus: 409, message: /loom-extract/ });
    await registry.assign("summarize", "a-llm", true);
    assert.equal(await registry.extractiveSummarizer(), undefined);
    await registry.assign("summarize", "loom-extract", true);
    assert.equal((await registry.extractiveSummarizer())?.row.id, "loom-extract");
  });
});
