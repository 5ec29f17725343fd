// npm run bench:remote -- [--streams 8] [--tokens 64] [--rounds 3] [--model DIR] [--server process|inline]
// What the HTTP hop costs: the same model answered in-process (the registry's AI SDK model, as the
// web apps use it) and through /v1 of a second Loom server by the client the registry uses for
// remote engines (@ai-sdk/openai-compatible, wrapped as a registry remote:
// server/registry/remote/remote-model.ts). One stream at a time, then N at once: tokens/s (all
// streams' output tokens over the wall time) and time to first token, side by side.
// --server process (the default) runs the /v1 server as its own process (bench/remote-server.ts),
// as a remote engine is deployed; --server inline runs it in this process, so both ends of the hop
// share one event loop (an upper bound on the hop's cost). --model DIR serves that folder as Chat's
// default instead of the shipped loom-chat, e.g. the random-weight bench model
// (`/usr/bin/python3 bench/make_bench_model.py --out .tmp/bench/llama-5m`), whose answers run to
// --tokens: loom-chat ends its answer after ~25 tokens, so its figures weigh each request's setup
// far more than a real answer would. A benchmark, never a pass/fail test.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { streamText } from "ai";
import { startTestServer } from "../server/openai/test-server";
import { createRemoteModel } from "../server/registry/remote/remote-model";
import { benchUserKey, makeChatDefault, READY } from "./remote-setup";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "8" },
    tokens: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    model: { type: "string" },
    server: { type: "string", default: "process" },
  },
});
// Bounded on purpose: one machine's measurement, not a stress tool.
const bounded = (value: string, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.floor(Number(value)) || min));
const STREAMS = bounded(values.streams, 2, 32);
const TOKENS = bounded(values.tokens, 8, 512);
const ROUNDS = bounded(values.rounds, 1, 20);
if (values.server !== "process" && values.server !== "inline") throw new Error("--server must be process or inline");
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

// The bench model goes into a scratch models folder of its own (the registry serves folders, and
// one that declares no tasks is assigned to Chat below); otherwise the shipped models.
const BENCH_MODEL_ID = "bench-model";
const scratchModels = values.model ? mkdtempSync(path.join(os.tmpdir(), "loom-bench-models-")) : undefined;
if (scratchModels) cpSync(path.resolve(values.model!), path.join(scratchModels, BENCH_MODEL_ID), { recursive: true });
const serverEnv: Record<string, string> = {
  LOOM_REQUESTS_PER_MINUTE: "100000",
  LOOM_MAX_CONCURRENT: String(STREAMS),
  ...(scratchModels && { LOOM_MODELS_DIR: scratchModels, LOOM_BENCH_CHAT_MODEL: BENCH_MODEL_ID }),
  // On the embedded PGlite (a fresh data folder); on the PostgreSQL of DATABASE_URL when it is set.
  ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
};

interface V1Server {
  v1: string;
  key: string;
  stop(): Promise<void>;
}

/** The /v1 end as its own process: bench/remote-server.ts prints a READY line when it is ready. */
async function startServerProcess(): Promise<V1Server> {
  // LOOM_BENCH_NODE_ARGS: extra flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.LOOM_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", path.join(import.meta.dirname, "remote-server.ts")],
    {
      env: { ...process.env, ...serverEnv },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const readyLine = await new Promise<string>((resolve, reject) => {
    // Its log lines go to our stderr; the ready line is read, not shown.
    createInterface({ input: child.stdout! }).on("line", (line) =>
      line.startsWith(READY) ? resolve(line.slice(READY.length)) : process.stderr.write(line + "\n"),
    );
    child.once("exit", (code) => reject(new Error(`bench/remote-server.ts exited (${code}) before it was ready`)));
  });
  const { v1, key } = JSON.parse(readyLine) as { v1: string; key: string };
  return {
    v1,
    key,
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}

const local = await startTestServer(serverEnv);
let v1Server: V1Server | undefined;
try {
  const { services } = local;
  const modelId = await makeChatDefault(services, scratchModels && BENCH_MODEL_ID);
  if (values.server === "process") v1Server = await startServerProcess();
  else v1Server = { v1: local.v1, key: await benchUserKey(services), stop: async () => {} };
  const inProcessModel = await services.registry.languageModel("chat");
  const remote = createRemoteModel(
    "bench-remote",
    { baseUrl: v1Server.v1, model: modelId, timeoutMs: 600_000, maxConcurrent: STREAMS, contextTokens: 2048 },
    v1Server.key,
  );

  console.log(
    `database ${services.database.driver}; model ${values.model ?? modelId}; /v1 server ${values.server === "process" ? "in its own process" : "in this process"}; ` +
      `${TOKENS} tokens per answer at most; ${ROUNDS} rounds; ${os.cpus().length} CPUs`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const rows: string[] = [];
  for (const concurrency of [1, STREAMS]) {
    const inProcess = await measure(inProcessModel.model, concurrency);
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
  await v1Server?.stop();
  await local.stop();
  if (scratchModels) rmSync(scratchModels, { recursive: true, force: true });
}
