// A one-shot stream: the run is recorded from start to end, stats travel as metadata, refusals
// and failures before the first token reject with their status, failures after it end the stream
// with an error and a finish, and an abort stops the engine and
// records what was streamed. Real engine, real database.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LanguageModelV3Middleware, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { wrapLanguageModel, type UIMessageChunk } from "ai";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { HttpError } from "../http-error";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { describeLocalModel } from "../apps/model-description";
import { pacingMiddleware } from "../registry/stream-pacing";
import { codeApp } from "../apps/code";
import type { OneShotApp } from "../apps/one-shot-app";
import { translateApp } from "../apps/translate";
import { createRunRecorder } from "../usage/runs";
import { streamOneShot, type OneShotServices } from "./one-shot";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));

async function readAll(stream: ReadableStream<UIMessageChunk>) {
  return readRest(stream.getReader());
}

async function readRest(reader: ReadableStreamDefaultReader<UIMessageChunk>) {
  const chunks: UIMessageChunk[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return chunks;
}

describe("one-shot stream", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let services: OneShotServices;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    const model = createLoomLanguageModel(loaded, { modelId: "tiny-llama" });
    services = {
      registry: {
        languageModel: async (app, requested) => {
          if (requested === "nope") throw new HttpError(404, "MODEL_NOT_AVAILABLE", `Model "nope" is not available.`);
          return {
            row: { id: "tiny-llama", displayName: "Tiny Llama" },
            model,
            description: describeLocalModel(loaded),
          };
        },
      },
      runs: createRunRecorder(database.db),
    };
    const [user] = await database.db
      .insert(users)
      .values({ email: "o@example.com", name: "O", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await loaded.dispose();
    await database.close();
  });

  const runsOf = () => database.db.select().from(runs).where(eq(runs.userId, userId));
  /** The run of `app` once it has ended (runs are finished without the stream waiting for it). */
  async function endedRun(app: string) {
    for (let i = 0; i < 100; i++) {
      const run = (await runsOf()).find((r) => r.app === app && r.status !== "running");
      if (run) return run;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the ${app} run did not end`);
  }

  test("streams the answer with the model and its stats as metadata; the run is completed", async () => {
    const task = codeApp({ code: "x = 1", language: "python", mode: "block" });
    task.decoding = { ...task.decoding, temperature: 0, maxOutputTokens: 6, stopSequences: [] };
    const stream = await streamOneShot(services, { userId, app: "code", task }, new AbortController().signal);
    const chunks = await readAll(stream);
    const start = chunks.find((c) => c.type === "start");
    assert.deepEqual(start?.type === "start" && start.messageMetadata, {
      modelId: "tiny-llama",
      modelName: "Tiny Llama",
    });
    assert.ok(chunks.some((c) => c.type === "text-delta"));
    const finish = chunks.find((c) => c.type === "finish");
    const metadata = (finish?.type === "finish" && finish.messageMetadata) as Record<string, unknown>;
    assert.equal(metadata.status, "completed");
    assert.equal(metadata.completionTokens, 6);
    assert.equal(typeof metadata.timeToFirstTokenMs, "number");
    const run = await endedRun("code");
    assert.equal(run.status, "completed");
    assert.equal(run.completionTokens, 6);
  });

  test("a refused model throws before any stream or run exists", async () => {
    const before = (await runsOf()).length;
    await assert.rejects(
      streamOneShot(
        services,
        { userId, app: "code", modelId: "nope", task: codeApp({ code: "x", language: "python", mode: "inline" }) },
        new AbortController().signal,
      ),
      { httpStatus: 404 },
    );
    assert.equal((await runsOf()).length, before);
  });

  test("a refusal before the first token rejects with its status and names the languages; the run is failed", async () => {
    // The fixture declares no languages: no pair is offered.
    const task = translateApp({ text: "Hello there", source: "en", target: "de" });
    await assert.rejects(streamOneShot(services, { userId, app: "translate", task }, new AbortController().signal), {
      httpStatus: 422,
      code: "PAIR_NOT_SUPPORTED",
      message: "This model does not translate English to German.",
    });
    assert.equal((await endedRun("translate")).status, "failed");
  });

  test("an over-long prompt is the engine's 413 before any stream", async () => {
    // A task whose prompt does not fit the fixture's 256 positions (the apps fit theirs; the
    // engine's refusal is the backstop the protocol must carry).
    const task: OneShotApp = {
      decoding: { temperature: 0, maxOutputTokens: 8 },
      prepare: async () => [{ role: "user", content: "once upon a time ".repeat(200) }],
    };
    await assert.rejects(streamOneShot(services, { userId, app: "summarize", task }, new AbortController().signal), {
      httpStatus: 413,
      message: /the prompt has \d+ tokens/,
    });
    assert.equal((await endedRun("summarize")).status, "failed");
  });

  test("a failure after the first token ends the stream with an error and a finish marked failed", async () => {
    // The real model's stream fails after its third piece, as a remote engine that drops the
    // connection mid-answer does. (The engine's own deadline was used here, but the worker can
    // finish 200 tokens before any deadline a loaded machine still meets.)
    const failAfterThreePieces: LanguageModelV3Middleware = {
      specificationVersion: "v3",
      wrapStream: async ({ doStream }) => {
        const result = await doStream();
        let pieces = 0;
        const failing = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          transform(part, controller) {
            controller.enqueue(part);
            if (part.type === "text-delta" && ++pieces === 3)
              controller.error(new Error("the model stopped mid-answer (test)"));
          },
        });
        return { ...result, stream: result.stream.pipeThrough(failing) };
      },
    };
    const model = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: [
        failAfterThreePieces,
        {
          specificationVersion: "v3",
          transformParams: async ({ params }) => ({ ...params, providerOptions: { loom: { ignoreEos: true } } }),
        },
      ],
    });
    const paced: OneShotServices = {
      ...services,
      registry: {
        languageModel: async () => ({
          row: { id: "tiny-llama", displayName: "Tiny Llama" },
          model,
          description: describeLocalModel(loaded),
        }),
      },
    };
    // A plain app: code suggestions end early by their own stop rules (server/apps/code-stops.ts).
    const task: OneShotApp = {
      decoding: { temperature: 0, maxOutputTokens: 200, stopSequences: [] },
      prepare: async () => [{ role: "user", content: "x = 1" }],
    };
    const earlier = new Set((await runsOf()).map((r) => r.id));
    const chunks = await readAll(
      await streamOneShot(paced, { userId, app: "code", task }, new AbortController().signal),
    );
    const types = chunks.map((c) => c.type);
    assert.ok(types.includes("text-delta"), "the answer had begun");
    const error = chunks.find((c) => c.type === "error");
    assert.match(
      (error?.type === "error" && error.errorText) || "",
      /failed to answer/,
      "a private error is not shown, only that it failed",
    );
    const last = chunks.at(-1);
    assert.equal(last?.type, "finish", `ends with a finish: ${types.slice(-3).join(", ")}`);
    assert.equal(last?.type === "finish" && (last.messageMetadata as { status?: string }).status, "failed");
    let run = (await runsOf()).find((r) => !earlier.has(r.id));
    for (let i = 0; run?.status === "running" && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await runsOf()).find((r) => !earlier.has(r.id));
    }
    assert.equal(run?.status, "failed");
  });

  test("a failure after progress was shown ends the stream with an error and a finish", async () => {
    // Progress starts the response (a long summary shows it), so what fails after it is in the stream.
    const task: OneShotApp = {
      decoding: { temperature: 0, maxOutputTokens: 8 },
      prepare: async ({ progress }) => {
        progress({ stage: "map", round: 1, done: 0, total: 2 });
        throw new HttpError(413, "TOO_LONG", "Still too long after 3 rounds.");
      },
    };
    const chunks = await readAll(
      await streamOneShot(services, { userId, app: "summarize", task }, new AbortController().signal),
    );
    assert.deepEqual(
      chunks.map((c) => c.type),
      ["data-progress", "error", "finish"],
    );
    const error = chunks[1];
    assert.equal(error?.type === "error" && error.errorText, "Still too long after 3 rounds.");
  });

  test("an abort mid-answer frees the slot at once; the run is stopped with the tokens streamed", async () => {
    // Paced like LOOM_STREAM_DELAY_MS, and past end-of-sequence, so the answer is still being
    // written when the client leaves.
    const model = wrapLanguageModel({
      model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
      middleware: [
        pacingMiddleware(10),
        {
          specificationVersion: "v3",
          transformParams: async ({ params }) => ({ ...params, providerOptions: { loom: { ignoreEos: true } } }),
        },
      ],
    });
    const paced: OneShotServices = {
      ...services,
      registry: {
        languageModel: async () => ({
          row: { id: "tiny-llama", displayName: "Tiny Llama" },
          model,
          description: describeLocalModel(loaded),
        }),
      },
    };
    // A plain app: code suggestions end early by their own stop rules (server/apps/code-stops.ts).
    const task: OneShotApp = {
      decoding: { temperature: 0, maxOutputTokens: 200, stopSequences: [] },
      prepare: async () => [{ role: "user", content: "x = 1" }],
    };
    const earlier = new Set((await runsOf()).map((r) => r.id));
    const client = new AbortController();
    const reader = (await streamOneShot(paced, { userId, app: "code", task }, client.signal)).getReader();
    let received = 0;
    while (received < 3) {
      const next = await reader.read();
      assert.equal(next.done, false, "the answer goes on");
      if (next.value?.type === "text-delta") received++;
    }
    assert.equal(loaded.stats().active, 1);
    client.abort();
    assert.equal(loaded.stats().active, 0, "the slot is free at once");
    const rest = await readRest(reader);
    received += rest.filter((c) => c.type === "text-delta").length;

    let run = (await runsOf()).find((r) => !earlier.has(r.id));
    for (let i = 0; run?.status === "running" && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await runsOf()).find((r) => !earlier.has(r.id));
    }
    assert.equal(run?.status, "stopped");
    assert.ok(
      run.completionTokens >= received && run.completionTokens <= received + 1,
      `${run.completionTokens} tokens recorded, ${received} streamed`,
    );
    assert.equal(typeof run.timeToFirstTokenMs, "number");
    assert.ok(run.durationMs! > 0);
  });
});
