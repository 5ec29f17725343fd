// Two Loom servers: B has A's /v1 registered as a remote engine (A's key made by `npm run
// api-key`, the remote added by `npm run models -- add-remote`). B's /v1 streams A's model; a
// wrong key is refused when the remote is added; killing A mid-answer ends B's answer with a
// clear error and a failed run, and B stays up.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { models, runs } from "../../db/schema";
import { startTestServer, type TestServer } from "./test-server";

describe("another Loom's /v1 as a remote engine", { timeout: 300_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  let keyA: string;
  let clientB: OpenAI;

  before(async () => {
    // A paces its deltas, so that it can be killed mid-answer.
    a = await startTestServer({ LOOM_STREAM_DELAY_MS: "40" });
    // B has no model of its own.
    b = await startTestServer({ LOOM_MODELS_DIR: mkdtempSync(path.join(tmpdir(), "loom-no-models-")) });
    await a.services.auth.createUser({ email: "svc@example.com", name: "B", password: "a-long-password" });
    const made = await a.cli("scripts/api-key.ts", ["create", "--email", "svc@example.com", "--name", "server B"]);
    assert.equal(made.code, 0, made.stderr);
    keyA = made.stdout.trim();

    const added = await b.cli(
      "scripts/models.ts",
      [
        "add-remote",
        "a-chat",
        "--base-url",
        a.v1,
        "--model",
        "loom-chat",
        "--api-key-env",
        "A_KEY",
        "--context-tokens",
        "2048",
      ],
      { A_KEY: keyA },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added a-chat: loom-chat at http:\/\/127\.0\.0\.1:\d+\/v1 \(first token in \d+ ms/);
    const assigned = await b.cli("scripts/models.ts", ["assign", "a-chat", "chat", "--default"]);
    assert.equal(assigned.code, 0, assigned.stderr);

    const user = await b.services.auth.createUser({ email: "u@example.com", name: "U", password: "a-long-password" });
    clientB = new OpenAI({ apiKey: (await b.services.apiKeys.create(user.id, "t")).key, baseURL: b.v1, maxRetries: 0 });
  });

  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  test("the remote's key is sealed at rest", async () => {
    const [row] = await b.services.database.db.select().from(models).where(eq(models.id, "a-chat"));
    assert.equal(row?.source, "remote");
    assert.equal(row?.remote?.contextTokens, 2048);
    assert.match(row?.remote?.sealedApiKey ?? "", /^v1\./);
    assert.ok(!JSON.stringify(row).includes(keyA));
  });

  test("a wrong key is refused when the remote is added, and nothing is recorded", async () => {
    const added = await b.cli(
      "scripts/models.ts",
      ["add-remote", "a-wrong", "--base-url", a.v1, "--model", "loom-chat", "--api-key-env", "A_KEY"],
      { A_KEY: "loom-wrong" },
    );
    assert.equal(added.code, 1);
    assert.match(added.stderr, /a-wrong: the remote engine refused Loom's API key \(HTTP 401\)/);
    assert.equal(await b.services.registry.getModel("a-wrong"), undefined);
  });

  test("B's /v1 streams A's model; both servers record the run", async () => {
    assert.ok((await clientB.models.list()).data.some((m) => m.id === "a-chat"));
    const stream = await clientB.chat.completions.create({
      model: "a-chat",
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 8,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let id = "";
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    assert.ok(text.length > 0);
    const [runB] = await b.services.database.db
      .select()
      .from(runs)
      .where(eq(runs.id, id.replace("chatcmpl-", "")));
    assert.equal(runB?.status, "completed");
    assert.equal(runB?.modelId, "a-chat");
    assert.equal(runB?.completionTokens, usage?.completion_tokens);
    const runsA = await a.services.database.db.select().from(runs).where(eq(runs.via, "api"));
    assert.ok(runsA.some((r) => r.status === "completed" && r.completionTokens === usage?.completion_tokens));
  });

  test("killing A mid-answer: a clear error, a failed run, and B stays up", async () => {
    const stream = await clientB.chat.completions.create({
      model: "a-chat",
      messages: [{ role: "user", content: "Tell a long story" }],
      max_tokens: 300,
      temperature: 1,
      stream: true,
    });
    let id = "";
    let text = "";
    const failure = await (async () => {
      try {
        for await (const chunk of stream) {
          id = chunk.id;
          text += chunk.choices[0]?.delta.content ?? "";
          if (text && a) await a.kill().then(() => undefined);
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    assert.ok(failure instanceof OpenAI.APIError, `the stream ends with an error: ${String(failure)}`);
    assert.match(failure.message, /a-chat: the remote engine stopped mid-answer/);
    const [row] = await b.services.database.db
      .select()
      .from(runs)
      .where(eq(runs.id, id.replace("chatcmpl-", "")));
    assert.equal(row?.status, "failed");

    // B still answers, and a request to the dead remote fails at once, saying why.
    assert.ok((await clientB.models.list()).data.length > 0);
    const dead = await clientB.chat.completions
      .create({ model: "a-chat", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 })
      .then(
        () => assert.fail("a dead remote cannot answer"),
        (e: unknown) => e,
      );
    assert.ok(dead instanceof OpenAI.APIError);
    assert.equal(dead.status, 502);
    assert.equal(dead.code, "remote_unreachable");
    assert.match(dead.message, /cannot reach the remote engine at http:\/\/127\.0\.0\.1/);
  });
});
