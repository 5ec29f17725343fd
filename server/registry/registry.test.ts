// Real models (the committed tiny fixtures) through the real engine and a real database.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { streamText } from "ai";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { logger } from "../logger";
import { createRegistry, type Registry } from "./registry";

const fixtures = fileURLToPath(new URL("../inference/__fixtures__/", import.meta.url));

describe("model registry", () => {
  let database: Database;
  let registry: Registry;
  let store: string;

  before(async () => {
    database = await openTestDatabase();
    store = mkdtempSync(path.join(tmpdir(), "loom-store-"));
    cpSync(path.join(fixtures, "tiny-llama"), path.join(store, "tiny-llama"), { recursive: true });
    cpSync(path.join(fixtures, "tiny-classifier"), path.join(store, "tiny-classifier"), { recursive: true });
    // A broken folder: registered as failed with the reason, never offered to users.
    mkdirSync(path.join(store, "broken"));
    writeFileSync(path.join(store, "broken", "config.json"), "{}");
    // Not a valid id: ignored.
    mkdirSync(path.join(store, "Bad Name"));
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

  test("sync registers the store's folders with kind, files and checksums; broken ones fail with a reason", async () => {
    const rows = await registry.listModels();
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      [
        ["broken", "failed"],
        ["tiny-classifier", "ready"],
        ["tiny-llama", "ready"],
      ],
    );
    const llama = rows.find((r) => r.id === "tiny-llama")!;
    assert.equal(llama.kind, "causal-lm");
    assert.equal(llama.architecture, "LlamaForCausalLM");
    assert.ok(llama.parameterCount! > 100_000);
    assert.ok(llama.decodeTokensPerSecond! > 0);
    assert.ok(llama.files.some((f) => f.path === "onnx/model.onnx" && /^[0-9a-f]{64}$/.test(f.sha256)));
    assert.match(rows[0]!.statusReason ?? "", /config\.json/);
  });

  test("a classifier is the sentiment default by declaration; no app has the LM until it is assigned", async () => {
    assert.deepEqual(
      (await registry.modelsForApp("sentiment")).map((m) => [m.id, m.isDefault]),
      [["tiny-classifier", true]],
    );
    await assert.rejects(registry.languageModel("translate"), {
      httpStatus: 503,
      message: /No model is assigned to Translate/,
    });
  });

  test("assign → the app streams from it through the AI SDK; status counts its decode slots", async () => {
    await registry.assign("translate", "tiny-llama", true);
    const { row, model } = await registry.languageModel("translate");
    assert.equal(row.id, "tiny-llama");
    const result = streamText({ model, prompt: "Hello", maxOutputTokens: 5, temperature: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    assert.ok(text.length > 0);
    assert.equal((await result.usage).outputTokens, 5);
    const listed = (await registry.listModels()).find((r) => r.id === "tiny-llama")!;
    assert.equal(listed.loaded, true);
    assert.equal(listed.device, "cpu");

    // A long answer (past end-of-sequence) holds its slot until it ends or is stopped. Polled while
    // it runs: the worker may write all 200 tokens before the first one reaches this reader.
    const stop = new AbortController();
    const long = streamText({
      model: model as LanguageModelV3,
      prompt: "Hello",
      maxOutputTokens: 200,
      abortSignal: stop.signal,
      providerOptions: { loom: { ignoreEos: true } },
    });
    let finished = false;
    const reading = Promise.resolve(long.consumeStream()).finally(() => (finished = true));
    let counted = false;
    while (!finished && !counted) {
      counted = (await registry.status()).generating.active === 1;
      await new Promise((resolve) => setImmediate(resolve)); // the worker's messages are macrotasks
    }
    stop.abort();
    await reading;
    assert.ok(counted, "its slot is counted while it runs");
    assert.deepEqual((await registry.status()).generating, { active: 0, waiting: 0 });
  });

  test("assignment rules: a classifier cannot serve a text app; unknown and unassigned models are refused", async () => {
    await assert.rejects(registry.assign("chat", "tiny-classifier", true), { httpStatus: 409 });
    await assert.rejects(registry.assign("chat", "nope", true), { httpStatus: 404 });
    await assert.rejects(registry.assign("chat", "broken", true), { httpStatus: 409 });
    await assert.rejects(registry.languageModel("translate", "tiny-classifier"), { httpStatus: 404 });
  });

  test("remove is refused while assigned; after unassigning it unloads and deletes the row", async () => {
    await assert.rejects(registry.remove("tiny-llama"), { httpStatus: 409, message: /unassign it first/ });
    await registry.unassign("translate", "tiny-llama");
    await registry.remove("tiny-llama");
    assert.equal(
      (await registry.listModels()).some((r) => r.id === "tiny-llama"),
      false,
    );
  });
});
