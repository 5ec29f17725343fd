// Summarise through the shipped extractive summariser on the one-shot protocol: the chosen
// sentences stream as text deltas between metadata, each length renders as it should, and the run
// is recorded. Real model (models/loom-extract), real database.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { UIMessageChunk } from "ai";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { extractiveDeltas } from "../apps/summarize-extractive";
import { loadModel, splitSentences, type LoadedExtractiveSummarizer } from "../inference";
import { createRunRecorder } from "../usage/runs";
import { streamExtractiveSummary } from "./extractive-stream";

const modelDir = fileURLToPath(new URL("../../models/loom-extract/", import.meta.url));
const TEXT = `Ferry service to resume next week

The island ferry will run again from Monday after repairs to its engine, the operator said. Services were stopped last month when a fault was found during a safety check.

Passengers with tickets for cancelled crossings can claim a refund. The operator said it was sorry for the disruption. A second boat will join the route in the summer.`;

async function readAll(stream: ReadableStream<UIMessageChunk>) {
  const chunks: UIMessageChunk[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return chunks;
}

describe("extractive summary stream", () => {
  let database: Database;
  let model: LoadedExtractiveSummarizer;
  let userId: string;
  const row = { id: "loom-extract", displayName: "Loom Extract" };

  before(async () => {
    database = await openTestDatabase();
    model = (await loadModel(modelDir, { session: { device: "cpu" } })) as LoadedExtractiveSummarizer;
    const [user] = await database.db
      .insert(users)
      .values({ email: "x@example.com", name: "X", passwordHash: "x" })
      .returning();
    userId = user!.id;
  });
  after(async () => {
    await model.dispose();
    await database.close();
  });

  const summarise = async (length: "short" | "medium" | "bullets") => {
    const services = { runs: createRunRecorder(database.db) };
    const input = { text: TEXT, length };
    const chunks = await readAll(
      await streamExtractiveSummary(services, { userId, input, row, model }, new AbortController().signal),
    );
    const text = chunks.map((c) => (c.type === "text-delta" ? c.delta : "")).join("");
    return { chunks, text };
  };

  test("medium: three of the text's sentences, in its order, one delta each, with stats; the run is completed", async () => {
    const { chunks, text } = await summarise("medium");
    const start = chunks.find((c) => c.type === "start");
    assert.deepEqual(start?.type === "start" && start.messageMetadata, {
      modelId: "loom-extract",
      modelName: "Loom Extract",
    });
    assert.equal(chunks.filter((c) => c.type === "text-delta").length, 3);
    const sentences = splitSentences(TEXT);
    const picked = splitSentences(text);
    assert.equal(picked.length, 3);
    const positions = picked.map((s) => sentences.indexOf(s));
    assert.ok(
      positions.every((p) => p >= 0),
      "every sentence is the text's own",
    );
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
    const finish = chunks.find((c) => c.type === "finish");
    const metadata = (finish?.type === "finish" && finish.messageMetadata) as Record<string, unknown>;
    assert.equal(metadata.status, "completed");
    assert.ok((metadata.promptTokens as number) > (metadata.completionTokens as number));
    const [run] = await database.db.select().from(runs).where(eq(runs.userId, userId));
    assert.equal(run!.status, "completed");
    assert.equal(run!.app, "summarize");
  });

  test("short is one sentence; bullets are medium's sentences as Markdown list lines", async () => {
    const short = await summarise("short");
    assert.equal(splitSentences(short.text).length, 1);
    const medium = await summarise("medium");
    const bullets = await summarise("bullets");
    assert.equal(
      bullets.text,
      splitSentences(medium.text)
        .map((s) => `- ${s}`)
        .join("\n"),
    );
    assert.deepEqual(extractiveDeltas(["A.", "B."], "bullets"), ["- A.", "\n- B."]);
    assert.deepEqual(extractiveDeltas(["A.", "B."], "medium"), ["A.", " B."]);
  });
});
