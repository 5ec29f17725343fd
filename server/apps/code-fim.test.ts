// Fill-in-the-middle served end to end: a completion asked of loom-code (config.json `loom.fim`)
// reaches the real engine as token ids with the three sentinels as special tokens around the code
// before and after the cursor, and what it generates streams back; code that spells a sentinel
// stays text. A model without `loom.fim` (the tiny-llama fixture) gets the code before the cursor
// in its chat template.
// The engine is real; the spy only records each request before passing it on.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { UIMessageChunk } from "ai";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createLoomLanguageModel, loadCausalLM, type GenerateRequest, type LoadedCausalLM } from "../inference";

import { streamOneShot } from "../generation/one-shot";
import { createRunRecorder } from "../usage/runs";
import { codeApp } from "./code";
import { describeLocalModel } from "./model-description";

const dirOf = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The model with every engine request recorded, then run as it was. */
function recorded(loaded: LoadedCausalLM) {
  const requests: GenerateRequest[] = [];
  const spy: LoadedCausalLM = {
    ...loaded,
    generate: (request) => {
      requests.push(request);
      return loaded.generate(request);
    },
  };
  return { spy, requests };
}

async function textOf(stream: ReadableStream<UIMessageChunk>) {
  let text = "";
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read())
    if (next.value.type === "text-delta") text += next.value.delta;
  return text;
}

const before_ = "function area(width, height) {\n  const w = Number(width);\n  const h = ";
const after_ = "\n  return w * h;\n}\n\n// <|fim_middle|> is text here\nexport default area;\n";

describe("code completion with fill-in-the-middle", () => {
  let database: Database;
  let userId: string;
  const models: LoadedCausalLM[] = [];

  before(async () => {
    database = await openTestDatabase();
    const [user] = await database.db
      .insert(users)
      .values({ email: "fim@example.com", name: "F", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await Promise.all(models.map((m) => m.dispose()));
    await database.close();
  });

  async function complete(dir: string) {
    const loaded = await loadCausalLM(dirOf(dir), { session: { device: "cpu" } });
    models.push(loaded);
    const { spy, requests } = recorded(loaded);
    const model = createLoomLanguageModel(spy, { modelId: loaded.id });
    const services = {
      registry: {
        languageModel: async () => ({
          row: { id: loaded.id, displayName: loaded.id },
          model,
          description: describeLocalModel(spy),
        }),
      },
      runs: createRunRecorder(database.db),
    };
    const task = codeApp({ code: before_, suffix: after_, language: "javascript", mode: "inline" });
    const stream = await streamOneShot(services, { userId, app: "code", task }, new AbortController().signal);
    return { loaded, requests, text: await textOf(stream) };
  }

  test("loom-code gets the sentinels around the code before and after the cursor", async () => {
    const { loaded, requests, text } = await complete("../../models/loom-code/");
    assert.equal(requests.length, 1);
    const ids = requests[0]!.promptIds;
    assert.ok(ids, "the engine gets token ids, not messages");
    assert.equal(requests[0]!.messages, undefined);
    const tok = loaded.tokenizer;
    const sentinel = (s: string) => {
      const encoded = tok.encode(s, { addSpecialTokens: false });
      assert.equal(encoded.length, 1, `${s} is one special token`);
      return encoded[0]!;
    };
    const [prefix, suffix, middle] = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"].map(sentinel);
    assert.equal(ids[0], prefix);
    assert.equal(ids.at(-1), middle);
    assert.equal(ids.filter((id) => id === suffix).length, 1);
    // The code's own "<|fim_middle|>" stayed text: the only middle sentinel is the last id.
    assert.equal(ids.filter((id) => id === middle).length, 1);
    const at = ids.indexOf(suffix);
    assert.equal(tok.decode(ids.slice(1, at)), before_);
    assert.equal(tok.decode(ids.slice(at + 1, -1)), after_);
    assert.equal(typeof text, "string");
  });

  test("a model without loom.fim continues the code before the cursor, through its chat template", async () => {
    const { loaded, requests } = await complete("../inference/__fixtures__/tiny-llama/");
    assert.equal(requests.length, 1);
    // The prompt fitting counted reaches the engine as ids (tokenised once, decision 034).
    const ids = requests[0]!.promptIds;
    assert.ok(ids, "the engine gets the ids fitting counted");
    const prompt = loaded.tokenizer.decode([...ids]);
    assert.ok(prompt.includes("const w = Number(width);"));
    assert.ok(!prompt.includes("return w * h;"), "no suffix without fill-in-the-middle");
  });
});
