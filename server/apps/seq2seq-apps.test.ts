// Translate and Summarise served end to end by encoder-decoder fixtures through the real engine
// (training/make_seq2seq_fixtures.py): Marian translates the one pair it declares, with the text
// alone as the encoder's input (no chat template, no instruction); BART summarises raw text, a
// text longer than its 64 encoder positions piece by piece; T5 reads its task prefixes. The spy
// only records each request.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { UIMessageChunk } from "ai";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { streamOneShot } from "../generation/one-shot";
import { isPublicError } from "../http-error";
import { createLoomLanguageModel, loadModel, type GenerateRequest, type LoadedSeq2Seq } from "../inference";
import { seq2seqDir } from "../inference/test-helpers";
import { createRunRecorder } from "../usage/runs";
import { describeLocalModel } from "./model-description";
import type { OneShotApp } from "./one-shot-app";
import { summarizeApp } from "./summarize";
import { shapeSummary } from "./summary-shape";
import { translateApp } from "./translate";

function recorded(loaded: LoadedSeq2Seq) {
  const requests: GenerateRequest[] = [];
  const spy: LoadedSeq2Seq = {
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
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (next.value.type === "text-delta") text += next.value.delta;
    if (next.value.type === "error") throw new Error(next.value.errorText);
  }
  return text;
}

async function textOfGenerate(model: LoadedSeq2Seq, request: GenerateRequest) {
  for await (const event of model.generate(request)) if (event.type === "finish") return event.text;
  throw new Error("no finish");
}

describe("Translate and Summarise on encoder-decoder models", () => {
  let database: Database;
  let userId: string;
  const loadedModels: LoadedSeq2Seq[] = [];

  before(async () => {
    database = await openTestDatabase();
    const [user] = await database.db
      .insert(users)
      .values({ email: "s2s@example.com", name: "S", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await Promise.all(loadedModels.map((m) => m.dispose()));
    await database.close();
  });

  async function load(family: string) {
    const loaded = (await loadModel(path.join(seq2seqDir, family), { session: { device: "cpu" } })) as LoadedSeq2Seq;
    assert.equal(loaded.kind, "seq2seq");
    loadedModels.push(loaded);
    return loaded;
  }

  async function serve(loaded: LoadedSeq2Seq, app: "translate" | "summarize", task: OneShotApp) {
    const { spy, requests } = recorded(loaded);
    const services = {
      registry: {
        languageModel: async () => ({
          row: { id: loaded.id, displayName: loaded.id },
          model: createLoomLanguageModel(spy, { modelId: loaded.id, queueGroup: app }),
          description: describeLocalModel(spy),
        }),
      },
      runs: createRunRecorder(database.db),
    };
    const stream = await streamOneShot(services, { userId, app, task }, new AbortController().signal);
    return { requests, text: await textOf(stream) };
  }

  test("Marian translates en→de: the text alone is the encoder's input, the output streams back", async () => {
    const marian = await load("marian");
    const input = { text: "the cat sat on the mat", source: "en", target: "de" };
    const { requests, text } = await serve(marian, "translate", translateApp(input));
    assert.equal(requests.length, 1);
    const ids = requests[0]!.promptIds!;
    // Exactly the tokenizer's encoding of the text, with Marian's </s>: no instruction around it.
    assert.deepEqual(ids, marian.tokenizer.encodeUntrusted(input.text, { addSpecialTokens: true }));
    assert.equal(ids.at(-1), marian.tokenizer.eosTokenId);
    assert.equal(text, await textOfGenerate(marian, { promptIds: ids, temperature: 0, maxNewTokens: 256 }));
    assert.ok(text.length > 0);
  });

  test("Marian refuses a pair it does not declare, and a text past its encoder's positions", async () => {
    const marian = await load("marian");
    await assert.rejects(
      serve(marian, "translate", translateApp({ text: "the cat", source: "de", target: "en" })),
      (e: unknown) => isPublicError(e) && e.code === "PAIR_NOT_SUPPORTED",
    );
    const long = Array.from({ length: 80 }, () => "hello").join(" ");
    await assert.rejects(
      serve(marian, "translate", translateApp({ text: long, source: "en", target: "de" })),
      (e: unknown) => {
        assert.ok(isPublicError(e) && e.code === "INPUT_TOO_LONG" && e.httpStatus === 413, String(e));
        assert.match((e as Error).message, /at most 64 tokens of input/);
        return true;
      },
    );
  });

  test("BART summarises raw text; a text past 64 positions is summarised piece by piece", async () => {
    const bart = await load("bart");
    const short = "Once upon a time, in a small town by the river";
    const one = await serve(bart, "summarize", summarizeApp({ text: short, length: "medium" }));
    assert.equal(one.requests.length, 1);
    assert.deepEqual(one.requests[0]!.promptIds, bart.tokenizer.encodeUntrusted(short, { addSpecialTokens: true }));
    // What the engine generates for those ids, as Summarise shapes a summary (summary-shape.ts).
    const raw = await textOfGenerate(bart, {
      promptIds: one.requests[0]!.promptIds!,
      temperature: 0,
      maxNewTokens: 100,
    });
    assert.equal(one.text, shapeSummary(raw, "medium", true).text);

    const long = Array.from({ length: 12 }, () => short + ".").join(" ");
    const many = await serve(bart, "summarize", summarizeApp({ text: long, length: "medium" }));
    assert.ok(many.requests.length > 1, "map step, then the final summary");
    // Every piece, and the final prompt, fits the encoder (the map step sends messages, not ids).
    for (const r of many.requests) assert.ok(bart.encodePrompt(r).length <= bart.maxPositions);
  });

  test("T5 gets its task prefixes: summarize: … and translate English to German: …", async () => {
    const t5 = await load("t5");
    const text = "the cat sat on the mat";
    const summary = await serve(t5, "summarize", summarizeApp({ text, length: "medium" }));
    assert.equal(summary.requests.length, 1);
    const encode = (s: string) => t5.tokenizer.encodeUntrusted(s, { addSpecialTokens: true });
    assert.deepEqual(summary.requests[0]!.promptIds, encode(`summarize: ${text}`));
    const translation = await serve(t5, "translate", translateApp({ text, source: "en", target: "de" }));
    const ids = translation.requests[0]!.promptIds!;
    assert.deepEqual(ids, encode(`translate English to German: ${text}`));
    assert.equal(translation.text, await textOfGenerate(t5, { promptIds: ids, temperature: 0, maxNewTokens: 256 }));
  });
});
