// Loom's OpenAI-compatible API through the official `openai` client (a real client nobody here
// wrote), against a real Loom server on loopback: the server's own services and HTTP app on a
// fresh embedded database and the shipped models, with the key made by `npm run api-key` through
// the local admin channel. (The Remix pages are left out: /v1 never reaches them.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { runs } from "../../db/schema";
import { loadConfig } from "../config";
import { createHttpApp } from "../http/app";
import { startLocalAdminChannel, type LocalAdminChannel } from "../local-admin/channel";
import { runAdminRequest } from "../local-admin/commands";
import { createServices, type AppServices } from "../services";
import { createOpenAiRouter } from "./router";

const MODEL = "loom-chat";
/** The Code app's default (a raw code model, models/loom-code). */
const CODE_MODEL = "loom-code";
const PASSWORD = "a-long-password";

describe("the OpenAI API, through the openai client", { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-v1-"));
  let services: AppServices;
  let server: Server;
  let channel: LocalAdminChannel | undefined;
  let baseURL: string;
  let key: string;
  let client: OpenAI;

  /** `npm run api-key` as a user runs it, on this data folder (the server holds the database). */
  function apiKeyCli(args: string[]) {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/api-key.ts", ...args], {
      env: { ...process.env, LOOM_DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
  }

  async function newUser(label: string) {
    return services.auth.createUser({ email: `${label}@example.com`, name: label, password: PASSWORD });
  }

  async function runRow(responseId: string) {
    const runId = responseId.replace(/^(chatcmpl|cmpl)-/, "");
    const [row] = await services.database.db.select().from(runs).where(eq(runs.id, runId));
    assert.ok(row, `a runs row for ${responseId}`);
    return row;
  }

  /** The run once its outcome is written (a stopped stream is recorded as it unwinds). */
  async function settledRun(responseId: string) {
    for (let i = 0; i < 100; i++) {
      const row = await runRow(responseId);
      if (row.status !== "running") return row;
      await new Promise((r) => setTimeout(r, 50));
    }
    return runRow(responseId);
  }

  before(async () => {
    const config = loadConfig({
      LOOM_DATA_DIR: dataDir,
      LOOM_MODELS_DIR: path.resolve("models"),
      LOOM_DEVICE: "cpu",
      LOOM_REQUESTS_PER_MINUTE: "1000",
      LOG_LEVEL: "warn",
    });
    services = await createServices(config);
    const { app } = createHttpApp({
      services,
      remixHandler: (_req, res) => void res.status(404).end(),
      openAiApi: createOpenAiRouter({
        services,
        maxBodyBytes: config.maxBodyBytes,
        streamIntervalMs: config.apiStreamIntervalMs,
      }),
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    channel = await startLocalAdminChannel({
      dataDir,
      run: (request) => runAdminRequest({ ...services, maxUploadBytes: config.maxUploadBytes }, request),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    await newUser("owner");
    const cli = await apiKeyCli(["create", "--email", "owner@example.com", "--name", "tests"]);
    assert.equal(cli.code, 0, cli.stderr);
    key = cli.stdout.trim();
    assert.match(key, /^loom-[A-Za-z0-9_-]{43}$/, "the key alone on stdout");
    client = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  });

  after(async () => {
    await channel?.close();
    await new Promise((resolve) => server?.close(resolve));
    await services?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the key is stored hashed and listed with its name", async () => {
    const owner = (await services.auth.listUsers()).find((u) => u.email === "owner@example.com")!;
    const [listed] = await services.apiKeys.list(owner.id);
    assert.equal(listed?.name, "tests");
    assert.ok(key.startsWith(listed!.prefix));
    const stored = JSON.stringify(await services.database.db.execute("select * from api_keys"));
    assert.ok(!stored.includes(key), "the key itself is nowhere in the table");
  });

  test("models: the chat and code models, with the apps they serve", async () => {
    const models = await client.models.list();
    const chat = models.data.find((m) => m.id === MODEL) as unknown as { apps: { app: string }[]; object: string };
    assert.ok(chat, JSON.stringify(models.data));
    assert.equal(chat.object, "model");
    assert.ok(
      chat.apps.some((a) => a.app === "chat"),
      JSON.stringify(chat.apps),
    );
    const code = models.data.find((m) => m.id === CODE_MODEL) as unknown as { apps: { app: string }[] };
    assert.deepEqual(
      code?.apps.map((a) => a.app),
      ["code"],
    );
    assert.ok(!models.data.some((m) => m.id === "loom-sentiment"), "a classifier is not offered");
    assert.equal((await client.models.retrieve(MODEL)).id, MODEL);
  });

  test("chat, whole: an answer, its finish reason, and usage equal to the runs row (via api)", async () => {
    const answer = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hello there" },
      ],
      max_tokens: 12,
      temperature: 0.7,
      top_p: 0.9,
      seed: 7,
      stop: ["\n\n"],
    });
    assert.equal(answer.object, "chat.completion");
    assert.equal(answer.model, MODEL);
    const choice = answer.choices[0]!;
    assert.equal(choice.message.role, "assistant");
    assert.equal(typeof choice.message.content, "string");
    assert.ok(["stop", "length"].includes(choice.finish_reason), choice.finish_reason);
    const row = await runRow(answer.id);
    assert.equal(row.via, "api");
    assert.equal(row.app, "chat");
    assert.equal(row.status, "completed");
    assert.ok(answer.usage!.prompt_tokens > 5);
    assert.ok(answer.usage!.completion_tokens <= 12);
    assert.equal(answer.usage!.prompt_tokens, row.promptTokens);
    assert.equal(answer.usage!.completion_tokens, row.completionTokens);
    assert.equal(answer.usage!.total_tokens, row.promptTokens + row.completionTokens);
  });

  test("the same seed gives the same sampled answer", async () => {
    const ask = () =>
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Tell me about the sea" }],
        max_tokens: 16,
        temperature: 1,
        seed: 1234,
      });
    const [a, b] = [await ask(), await ask()];
    assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
  });

  test("chat, streamed: deltas, a finish reason, and the usage chunk equal to the runs row", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Write about the weather" }],
      max_tokens: 24,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let id = "";
    let chunks = 0;
    for await (const chunk of stream) {
      id = chunk.id;
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? "";
        finishReason = choice.finish_reason ?? finishReason;
      }
    }
    assert.ok(chunks > 2, "several chunks");
    assert.ok(text.length > 0);
    assert.ok(finishReason === "stop" || finishReason === "length");
    const row = await runRow(id);
    assert.equal(row.status, "completed");
    assert.equal(row.via, "api");
    assert.equal(usage?.prompt_tokens, row.promptTokens);
    assert.equal(usage?.completion_tokens, row.completionTokens);
    // Streamed and whole answers agree (greedy decoding).
    const whole = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Write about the weather" }],
      max_tokens: 24,
      temperature: 0,
    });
    assert.equal(whole.choices[0]!.message.content, text);
  });

  test("a stream the client abandons is recorded as stopped", async () => {
    // The 3 M model can finish a short story before the abort arrives (then the run is rightly
    // "completed"): try a few times; an abandoned stream must be recorded as stopped.
    let stopped: Awaited<ReturnType<typeof settledRun>> | undefined;
    for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Tell a long story" }],
        max_tokens: 400,
        temperature: 1,
        stream: true,
      });
      let id = "";
      for await (const chunk of stream) {
        id = chunk.id;
        if (chunk.choices[0]?.delta.content) break; // leaving the loop aborts the request
      }
      const row = await settledRun(id);
      assert.ok(row.status === "stopped" || row.status === "completed", row.status);
      if (row.status === "stopped") stopped = row;
    }
    assert.ok(stopped, "one of five abandoned streams was recorded as stopped");
    assert.ok(stopped.completionTokens >= 1 && stopped.completionTokens < 400);
  });

  test("completions: a raw prompt, whole and streamed, run as the Code app", async () => {
    const prompt = "def add(a, b):\n";
    const whole = await client.completions.create({ model: CODE_MODEL, prompt, max_tokens: 16, temperature: 0 });
    assert.equal(whole.object, "text_completion");
    const row = await runRow(whole.id);
    assert.equal(row.app, "code");
    assert.equal(row.via, "api");
    assert.equal(whole.usage?.completion_tokens, row.completionTokens);
    assert.equal(whole.usage?.prompt_tokens, row.promptTokens);
    let streamed = "";
    const stream = await client.completions.create({
      model: CODE_MODEL,
      prompt,
      max_tokens: 16,
      temperature: 0,
      stream: true,
    });
    for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
    assert.equal(streamed, whole.choices[0]!.text);
  });

  test("bearer requests are not subject to the browser's same-origin rule", async () => {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${key}`,
        "Content-Type": "application/json",
        Origin: "https://elsewhere.example",
      },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 }),
    });
    assert.equal(response.status, 200);
  });

  /** The error the client raises for a request. */
  async function refusal(request: Promise<unknown>) {
    const error = await request.then(
      () => assert.fail("the request should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    return error;
  }

  test("401: a wrong key, no key, or a session cookie instead of a key", async () => {
    const wrong = await refusal(new OpenAI({ apiKey: "loom-not-a-real-key", baseURL, maxRetries: 0 }).models.list());
    assert.ok(wrong instanceof OpenAI.AuthenticationError);
    assert.equal(wrong.code, "invalid_api_key");
    assert.equal(wrong.type, "authentication_error");

    const { token } = await services.auth.createSession((await services.auth.listUsers())[0]!.id);
    const cookie = await fetch(`${baseURL}/models`, { headers: { Cookie: `loom_session=${token}` } });
    assert.equal(cookie.status, 401);
    const body = (await cookie.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, "missing_api_key");
    assert.match(body.error.message, /Cookies are not accepted/);
  });

  test("403: the key of a disabled account", async () => {
    const user = await newUser("disabled");
    const { key: theirs } = await services.apiKeys.create(user.id, "soon disabled");
    await services.auth.setDisabled(user.id, true);
    const error = await refusal(new OpenAI({ apiKey: theirs, baseURL, maxRetries: 0 }).models.list());
    assert.ok(error instanceof OpenAI.PermissionDeniedError);
    assert.equal(error.code, "account_disabled");
  });

  test("a revoked key stops working", async () => {
    const user = await newUser("revoker");
    const { key: theirs, summary } = await services.apiKeys.create(user.id, "short-lived");
    const theirClient = new OpenAI({ apiKey: theirs, baseURL, maxRetries: 0 });
    await theirClient.models.list();
    await services.apiKeys.revoke(user.id, summary.id);
    assert.ok((await refusal(theirClient.models.list())) instanceof OpenAI.AuthenticationError);
  });

  test("404: an unknown model, and an unknown endpoint", async () => {
    const error = await refusal(
      client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "Hi" }] }),
    );
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.code, "model_not_found");
    assert.equal(error.param, "model");
    assert.equal((await refusal(client.models.retrieve("no-such-model"))).status, 404);
    const endpoint = await fetch(`${baseURL}/embeddings`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}` },
    });
    assert.equal(endpoint.status, 404);
    assert.equal(((await endpoint.json()) as { error: { code: string } }).error.code, "unknown_url");
  });

  test("400: what Loom cannot honour names its field", async () => {
    const n = await refusal(
      client.chat.completions.create({ model: MODEL, n: 2, messages: [{ role: "user", content: "Hi" }] }),
    );
    assert.ok(n instanceof OpenAI.BadRequestError);
    assert.equal(n.param, "n");
    const temperature = await refusal(
      client.chat.completions.create({ model: MODEL, temperature: 5, messages: [{ role: "user", content: "Hi" }] }),
    );
    assert.equal(temperature.param, "temperature");
    const json = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    assert.equal(json.status, 400);
  });

  test("413: a message over its limit, and a body over the server's", async () => {
    const long = await refusal(
      client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x".repeat(200_001) }] }),
    );
    assert.equal(long.status, 413);
    assert.equal(long.param, "messages.0.content");
    const huge = await refusal(
      client.chat.completions.create({
        model: MODEL,
        messages: Array.from({ length: 10 }, () => ({ role: "user" as const, content: "y".repeat(150_000) })),
      }),
    );
    assert.equal(huge.status, 413);
    assert.equal(huge.code, "request_too_large");
  });

  test("429 with Retry-After: the daily quota, counted from the same runs as the web apps", async () => {
    const user = await newUser("limited");
    const { key: theirs } = await services.apiKeys.create(user.id, "limited");
    await services.quotas.setQuota(user.id, { dailyRequests: 1, dailyTokens: null });
    const limited = new OpenAI({ apiKey: theirs, baseURL, maxRetries: 0 });
    const ask = () =>
      limited.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 });
    await ask();
    const error = await refusal(ask());
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.code, "rate_limit_exceeded");
    assert.ok(Number(error.headers?.get("retry-after")) > 0);
    assert.match(error.message, /Daily limit of 1 requests/);
  });
});
