// npm run bench:remote -- [--streams 8] [--tokens 64] [--rounds 3]
// What the HTTP hop costs: the same model (Chat's default, the shipped loom-chat) answered
// in-process (the registry's AI SDK model, as the web apps use it) and through /v1 of a local Loom
// server by the client the registry uses for remote engines (@ai-sdk/openai-compatible, wrapped as
// a registry remote: server/registry/remote/remote-model.ts). One stream at a time, then N at once:
// tokens/s (all streams' output tokens over the wall time) and time to first token, side by side.
// The server runs in this process (server/openai/test-server.ts), so both ends of the hop share
// one event loop (the engine decodes in its own worker thread): an upper bound on the hop's cost.
// A benchmark, never a pass/fail test.
import os from "node:os";
import { parseArgs } from "node:util";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { streamText } from "ai";
import { startTestServer } from "../server/openai/test-server";
import { createRemoteModel } from "../server/registry/remote/remote-model";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "8" },
    tokens: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
  },
});
// Bounded on purpose: one machine's measurement, not a stress tool.
const bounded = (value: string, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.floor(Number(value)) || min));
const STREAMS = bounded(values.streams, 2, 32);
const TOKENS = bounded(values.tokens, 8, 512);
const ROUNDS = bounded(values.rounds, 1, 20);
const PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle.";

interface StreamStats {
  ttftMs: number;
  tokens: number;
  /** After the first token: what streaming costs, apart from the request's own setup. */
  decodeTokensPerSecond: number;
}

async function oneStream(model: LanguageModelV3): Promise<StreamStats> {
  const started = performance.now();
  let ttftMs: number | undefined;
  const result = streamText({
    model,
    messages: [{ role: "user", content: PROMPT }],
    maxOutputTokens: TOKENS,
    temperature: 0,
    maxRetries: 0,
    onError: () => {},
  });
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") ttftMs ??= performance.now() - started;
    else if (part.type === "error") throw part.error;
  }
  const tokens = (await result.usage).outputTokens ?? 0;
  const totalMs = performance.now() - started;
  const first = ttftMs ?? totalMs;
  return {
    ttftMs: first,
    tokens,
    decodeTokensPerSecond: totalMs > first ? ((tokens - 1) * 1000) / (totalMs - first) : 0,
  };
}

interface Measured {
  tokensPerSecond: number;
  decodeTokensPerSecond: number;
  ttftMs: number;
  tokensPerStream: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ROUNDS rounds of `concurrency` streams at once; tokens/s is each round's total over its wall time. */
async function measure(model: LanguageModelV3, concurrency: number): Promise<Measured> {
  await oneStream(model); // warm: the first request pays for loads and JIT
  const rates: number[] = [];
  const ttfts: number[] = [];
  const tokens: number[] = [];
  const decodeRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const streams = await Promise.all(Array.from({ length: concurrency }, () => oneStream(model)));
    const wallS = (performance.now() - started) / 1000;
    rates.push(streams.reduce((n, s) => n + s.tokens, 0) / wallS);
    for (const s of streams) {
      ttfts.push(s.ttftMs);
      tokens.push(s.tokens);
      decodeRates.push(s.decodeTokensPerSecond);
    }
  }
  return {
    tokensPerSecond: median(rates),
    decodeTokensPerSecond: median(decodeRates),
    ttftMs: median(ttfts),
    tokensPerStream: median(tokens),
  };
}

// On the embedded PGlite (a fresh data folder); on the PostgreSQL of DATABASE_URL when it is set.
const server = await startTestServer({
  LOOM_REQUESTS_PER_MINUTE: "100000",
  LOOM_MAX_CONCURRENT: String(STREAMS),
  ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
});
try {
  const { services } = server;
  const user = await services.auth.createUser({
    email: `bench-${Date.now()}@example.com`,
    name: "Bench",
    password: "a-long-password",
  });
  const { key } = await services.apiKeys.create(user.id, "bench:remote");
  const local = await services.registry.languageModel("chat");
  const remote = createRemoteModel(
    "bench-remote",
    { baseUrl: server.v1, model: local.row.id, timeoutMs: 600_000, maxConcurrent: STREAMS, contextTokens: 2048 },
    key,
  );

  console.log(
    `database ${services.database.driver}; model ${local.row.id}; ${TOKENS} tokens per answer at most; ${ROUNDS} rounds; ${os.cpus().length} CPUs`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const rows: string[] = [];
  for (const concurrency of [1, STREAMS]) {
    const inProcess = await measure(local.model, concurrency);
    const viaV1 = await measure(remote.model, concurrency);
    const cost = 1 - viaV1.tokensPerSecond / inProcess.tokensPerSecond;
    rows.push(
      `| ${concurrency} | ${inProcess.tokensPerSecond.toFixed(1)} | ${viaV1.tokensPerSecond.toFixed(1)} | ` +
        `${(cost * 100).toFixed(1)} % | ${Math.round(inProcess.ttftMs)} | ${Math.round(viaV1.ttftMs)} | ` +
        `${inProcess.decodeTokensPerSecond.toFixed(1)} / ${viaV1.decodeTokensPerSecond.toFixed(1)} | ` +
        `${inProcess.tokensPerStream} / ${viaV1.tokensPerStream} |`,
    );
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  console.log(
    "| streams | tokens/s in-process | tokens/s via /v1 | hop's cost | TTFT in-process (ms) | TTFT via /v1 (ms) | after the first token, tokens/s per stream (in-process / via /v1) | tokens per answer |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  await server.stop();
}
