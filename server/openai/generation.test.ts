// A /v1 generation and its runs row (decision 039): the first token does not wait for the row's
// write, the answer does not finish before it, and a write that fails stops the generation and
// fails the request, before or after its first token. Real engine (the tiny-llama fixture), real
// database; the runs recorder is the real one, with its insert held or failed on purpose (a
// database fault cannot be had on demand).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createLoomLanguageModel, loadCausalLM, type LoadedCausalLM } from "../inference";
import { createRunRecorder, type RunRecorder } from "../usage/runs";
import { startApiGeneration, type ApiGenerationServices, type GenerationPart } from "./generation";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));

describe("an API generation's runs row", () => {
  let database: Database;
  let loaded: LoadedCausalLM;
  let userId: string;

  before(async () => {
    database = await openTestDatabase();
    loaded = await loadCausalLM(fixture, { session: { device: "cpu" } });
    const [user] = await database.db
      .insert(users)
      .values({ email: "api-gen@example.com", name: "A", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await loaded.dispose();
    await database.close();
  });

  /** The services, with the runs row's insert going through `gate` first. */
  function servicesWith(gate: () => Promise<void>): ApiGenerationServices {
    const recorder = createRunRecorder(database.db);
    const runsWithGate: Pick<RunRecorder, "start" | "finish"> = {
      start: async (input) => {
        await gate();
        return recorder.start(input);
      },
      finish: recorder.finish,
    };
    return {
      registry: {
        endpointModel: async () => ({
          row: { id: "tiny-llama", displayName: "Tiny Llama" },
          model: createLoomLanguageModel(loaded, { modelId: "tiny-llama" }),
        }),
      },
      runs: runsWithGate,
      quotas: { assertWithinQuota: async () => {} },
      rateLimiter: { take: () => {} },
    };
  }

  const request = {
    app: "chat" as const,
    modelId: "tiny-llama",
    messages: [{ role: "user" as const, content: "Tell me a story" }],
    decoding: { maxOutputTokens: 12, temperature: 0 },
  };

  async function rest(parts: AsyncGenerator<GenerationPart>) {
    const all: GenerationPart[] = [];
    for await (const part of parts) all.push(part);
    return all;
  }

  test("the first token comes before the row is written; the finish waits for it", async () => {
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    const generation = await startApiGeneration(
      servicesWith(() => held),
      { ...request, userId },
      new AbortController().signal,
    );
    // startApiGeneration returned with its first part read: the row is still held back.
    assert.equal((await database.db.select().from(runs).where(eq(runs.id, generation.runId))).length, 0);
    const first = await generation.parts.next();
    assert.equal(first.value?.type, "text");
    setTimeout(open, 50);
    const parts = await rest(generation.parts);
    const finish = parts.at(-1);
    assert.equal(finish?.type, "finish", JSON.stringify(parts.at(-1)));
    const [row] = await database.db.select().from(runs).where(eq(runs.id, generation.runId));
    assert.equal(row?.status, "completed", "the outcome is written to the row named in the response");
    assert.equal(row?.via, "api");
    assert.equal(row?.completionTokens, finish.type === "finish" ? finish.usage.completion_tokens : -1);
  });

  test("a row that cannot be written fails the request before its first token", async () => {
    const fault = new Error("insert failed: the database is gone");
    await assert.rejects(
      startApiGeneration(
        servicesWith(async () => {
          throw fault;
        }),
        { ...request, userId },
        new AbortController().signal,
      ),
      (error) => error === fault,
    );
  });

  test("a row whose write fails after the first token ends the stream with an error, unrecorded", async () => {
    const fault = new Error("insert failed late");
    let fail!: () => void;
    const failing = new Promise<void>((_resolve, reject) => (fail = () => reject(fault)));
    failing.catch(() => {});
    const generation = await startApiGeneration(
      servicesWith(() => failing),
      { ...request, userId, decoding: { maxOutputTokens: 200, temperature: 0 } },
      new AbortController().signal,
    );
    fail();
    const parts = await rest(generation.parts);
    const last = parts.at(-1);
    assert.equal(last?.type, "error", "no finish without the row");
    assert.equal(last?.type === "error" && last.error, fault);
    assert.ok(!parts.some((p) => p.type === "finish"));
    assert.equal((await database.db.select().from(runs).where(eq(runs.id, generation.runId))).length, 0);
  });
});
