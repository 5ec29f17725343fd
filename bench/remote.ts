// npm run bench:remote -- [--streams 8] [--tokens 64] [--rounds 9] [--model DIR] [--server process|inline] [--pin-engine]
// What the HTTP hop costs: one engine's model answered in-process (the registry's AI SDK model, as
// the web apps use it) and through /v1 of the Loom server that holds it, by the client the registry
// uses for remote engines (@ai-sdk/openai-compatible, wrapped as a registry remote:
// server/registry/remote/remote-model.ts). One stream at a time, then N at once: tokens/s (all
// streams' output tokens over the wall time), time to first token and CPU per token, side by side;
// the hop's cost is the median of each /v1 round's against the in-process round beside it.
// --server process (the default) runs the /v1 server as its own process (bench/remote-server.ts),
// as a remote engine is deployed, and its in-process rounds run there, on the same engine /v1
// serves: on this VM two processes' engines differ by up to 2× in speed from run to run, which
// had made the hop's cost a draw of two engines rather than a measure of the hop. --server inline
// runs the server in this process, so both ends of the hop share one event loop (an upper bound
// on the hop's cost). The sides take turns, round by round. --model DIR serves that folder as
// Chat's default instead of the shipped loom-chat, e.g. the random-weight bench model
// (`/usr/bin/python3 bench/make_bench_model.py --out .tmp/bench/llama-5m`), whose answers run to
// --tokens: loom-chat ends its answer after ~25 tokens, so its figures weigh each request's setup
// far more than a real answer would. --pin-engine (Linux, --server process) gives the engine's
// thread a CPU of its own, as a remote engine whose clients are elsewhere has (bench/pin-engine.ts).
// A benchmark, never a pass/fail test.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startTestServer } from "../server/openai/test-server";
import { createRemoteModel } from "../server/registry/remote/remote-model";
import { pinEngine } from "./pin-engine";
import { benchUserKey, makeChatDefault, READY, ROUND } from "./remote-setup";
import { oneStream, round, type RoundResult } from "./remote-streams";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "8" },
    tokens: { type: "string", default: "64" },
    rounds: { type: "string", default: "9" },
    model: { type: "string" },
    server: { type: "string", default: "process" },
    "pin-engine": { type: "boolean", default: false },
  },
});
// Bounded on purpose: one machine's measurement, not a stress tool.
const bounded = (value: string, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.floor(Number(value)) || min));
const STREAMS = bounded(values.streams, 2, 32);
const TOKENS = bounded(values.tokens, 8, 512);
const ROUNDS = bounded(values.rounds, 1, 20);
if (values.server !== "process" && values.server !== "inline") throw new Error("--server must be process or inline");
if (values["pin-engine"] && values.server !== "process") throw new Error("--pin-engine needs --server process");

interface Side {
  round(concurrency: number): Promise<RoundResult>;
}

interface Measured {
  tokensPerSecond: number;
  decodeTokensPerSecond: number;
  ttftMs: number;
  tokensPerStream: number;
  /** CPU time of both processes (engine, event loops, sockets), per token; undefined where unreadable. */
  cpuMsPerToken: number | undefined;
  /** The same, of both processes' main threads only: the event loops' work, where the hop's is. */
  loopCpuMsPerToken: number | undefined;
  /** The same, of the client's process alone (this one; undefined with --server inline). */
  clientCpuMsPerToken: number | undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/**
 * CPU seconds (user + system) from /proc (Linux; clock ticks of 1/100 s): of a whole process, or
 * of its main thread only (the event loop, apart from the engine's worker thread). Undefined where
 * /proc cannot be read.
 */
function procCpuSeconds(pid: number, mainThreadOnly: boolean): number | undefined {
  try {
    const file = mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(file, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface CpuReading {
  /** Both processes, every thread. */
  all: number | undefined;
  /** Both processes' main threads: the per-token work of the event loops, the hop's own. */
  loops: number | undefined;
  /** This process, when the server runs in its own: the client's share (a remote client runs elsewhere). */
  client: number | undefined;
}

/**
 * ROUNDS rounds of `concurrency` streams at once on each side, the sides taking turns (and
 * swapping who goes first each round), so that a machine that speeds up or slows down during the
 * run weighs on both alike.
 */
async function measure(sides: Side[], concurrency: number, cpuNow: () => CpuReading) {
  // Warm, at the measured concurrency: the first requests pay for loads and JIT, and the first
  // round of N streams for the client's N-1 new connections (kept alive after it, as a registry
  // remote keeps them), which is set-up, not the hop's steady cost.
  for (const side of sides) await side.round(concurrency);
  const results = sides.map(() => ({
    rates: [] as number[],
    streams: [] as RoundResult["streams"],
    cpu: { all: 0, loops: 0, client: 0 } as CpuReading,
  }));
  const add = (sum: number | undefined, before: number | undefined, after: number | undefined) =>
    sum === undefined || before === undefined || after === undefined ? undefined : sum + after - before;
  for (let r = 0; r < ROUNDS; r++) {
    for (const index of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const into = results[index]!;
      const before = cpuNow();
      const { streams, wallS } = await sides[index]!.round(concurrency);
      const after = cpuNow();
      into.cpu = {
        all: add(into.cpu.all, before.all, after.all),
        loops: add(into.cpu.loops, before.loops, after.loops),
        client: add(into.cpu.client, before.client, after.client),
      };
      into.rates.push(streams.reduce((n, s) => n + s.tokens, 0) / wallS);
      into.streams.push(...streams);
    }
  }
  // The hop's cost per round, each /v1 round against the in-process round beside it: this VM's
  // speed drifts by ±10 % from one round to the next, which a pair shares and two medians do not.
  const pairedCosts = results[1]!.rates.map((rate, r) => 1 - rate / results[0]!.rates[r]!);
  const measured = results.map(({ rates, streams, cpu }): Measured => {
    const tokens = streams.reduce((n, s) => n + s.tokens, 0);
    const perToken = (seconds: number | undefined) => (seconds === undefined ? undefined : (seconds * 1000) / tokens);
    return {
      tokensPerSecond: median(rates),
      decodeTokensPerSecond: median(streams.map((s) => s.decodeTokensPerSecond)),
      ttftMs: median(streams.map((s) => s.ttftMs)),
      tokensPerStream: median(streams.map((s) => s.tokens)),
      cpuMsPerToken: perToken(cpu.all),
      loopCpuMsPerToken: perToken(cpu.loops),
      clientCpuMsPerToken: perToken(cpu.client),
    };
  });
  return { inProcess: measured[0]!, viaV1: measured[1]!, pairedCosts };
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
  modelId: string;
  driver: string;
  /** The server's own process; undefined when it runs in this one. */
  pid?: number;
  /** A round on the server's own in-process model. */
  inProcess: Side;
  stop(): Promise<void>;
}

/** The /v1 end as its own process: bench/remote-server.ts prints a READY line when it is ready. */
async function startServerProcess(): Promise<V1Server> {
  // LOOM_BENCH_NODE_ARGS: extra flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.LOOM_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", path.join(import.meta.dirname, "remote-server.ts")],
    { env: { ...process.env, ...serverEnv }, stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let answerRound: ((line: string) => void) | undefined;
  const readyLine = await new Promise<string>((resolve, reject) => {
    // Its log lines go to our stderr; the marked lines are read, not shown.
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith(READY)) resolve(line.slice(READY.length));
      else if (line.startsWith(ROUND)) answerRound?.(line.slice(ROUND.length));
      else process.stderr.write(line + "\n");
    });
    child.once("exit", (code) => reject(new Error(`bench/remote-server.ts exited (${code}) before it was ready`)));
  });
  const { v1, key, modelId } = JSON.parse(readyLine) as { v1: string; key: string; modelId: string };
  return {
    v1,
    key,
    modelId,
    driver: process.env.DATABASE_URL ? "postgres" : "pglite",
    pid: child.pid,
    inProcess: {
      round: (concurrency) =>
        new Promise<RoundResult>((resolve, reject) => {
          // One exit listener per round would pile up on the child: the round races `exited` instead.
          answerRound = (line) => resolve(JSON.parse(line) as RoundResult);
          void exited.then(() => reject(new Error("bench/remote-server.ts exited during a round")));
          child.stdin!.write(`${JSON.stringify({ concurrency, maxTokens: TOKENS })}\n`);
        }),
    },
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}

/** The /v1 end in this process: one event loop for both ends of the hop. */
async function startInlineServer(): Promise<V1Server> {
  const local = await startTestServer(serverEnv);
  const { services } = local;
  const modelId = await makeChatDefault(services, scratchModels && BENCH_MODEL_ID);
  const inProcessModel = await services.registry.languageModel("chat");
  return {
    v1: local.v1,
    key: await benchUserKey(services),
    modelId,
    driver: services.database.driver,
    inProcess: { round: (concurrency) => round(inProcessModel.model, concurrency, TOKENS) },
    stop: () => local.stop(),
  };
}

const server = values.server === "process" ? await startServerProcess() : await startInlineServer();
try {
  const remote = createRemoteModel(
    "bench-remote",
    { baseUrl: server.v1, model: server.modelId, timeoutMs: 600_000, maxConcurrent: STREAMS, contextTokens: 2048 },
    server.key,
  );
  await oneStream(remote.model, 8); // the client's own first call (module loads, JIT)
  const viaV1: Side = { round: (concurrency) => round(remote.model, concurrency, TOKENS) };
  const pinned =
    values["pin-engine"] && server.pid !== undefined
      ? await pinEngine(server.pid, process.pid, () => server.inProcess.round(STREAMS))
      : "not pinned";
  // Both processes, on both sides: each side's work is wherever it runs.
  const pids = [process.pid, ...(server.pid === undefined ? [] : [server.pid])];
  const sum = (mainThreadOnly: boolean) =>
    pids.reduce<number | undefined>((total, pid) => {
      const seconds = procCpuSeconds(pid, mainThreadOnly);
      return total === undefined || seconds === undefined ? undefined : total + seconds;
    }, 0);
  const cpuNow = (): CpuReading => ({
    all: sum(false),
    loops: sum(true),
    client: server.pid === undefined ? undefined : procCpuSeconds(process.pid, false),
  });

  console.log(
    `database ${server.driver}; model ${values.model ?? server.modelId}; /v1 server ${values.server === "process" ? "in its own process" : "in this process"}; ` +
      `${TOKENS} tokens per answer at most; ${ROUNDS} rounds; ${os.cpus().length} CPUs; ${pinned}`,
  );
  const loadAverage = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(`load average before: ${loadAverage()}`);
  const rows: string[] = [];
  const ms = (value: number | undefined) => (value === undefined ? "?" : value.toFixed(2));
  const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
  for (const concurrency of [1, STREAMS]) {
    const {
      inProcess: inProc,
      viaV1: hop,
      pairedCosts,
    } = await measure([server.inProcess, viaV1], concurrency, cpuNow);
    const cost = median(pairedCosts);
    rows.push(
      `| ${concurrency} | ${inProc.tokensPerSecond.toFixed(1)} | ${hop.tokensPerSecond.toFixed(1)} | ` +
        `${percent(cost)} | ${pairedCosts.map((c) => (c * 100).toFixed(0)).join(", ")} | ${Math.round(inProc.ttftMs)} | ${Math.round(hop.ttftMs)} | ` +
        `${inProc.decodeTokensPerSecond.toFixed(1)} / ${hop.decodeTokensPerSecond.toFixed(1)} | ` +
        `${ms(inProc.cpuMsPerToken)} / ${ms(hop.cpuMsPerToken)} | ` +
        `${ms(inProc.loopCpuMsPerToken)} / ${ms(hop.loopCpuMsPerToken)} | ` +
        `${ms(inProc.clientCpuMsPerToken)} / ${ms(hop.clientCpuMsPerToken)} | ${inProc.tokensPerStream} / ${hop.tokensPerStream} |`,
    );
  }
  console.log(`load average after: ${loadAverage()}\n`);
  console.log(
    "| streams | tokens/s in-process | tokens/s via /v1 | hop's cost (median of the rounds') | each round's, % | TTFT in-process (ms) | TTFT via /v1 (ms) | after the first token, tokens/s per stream (in-process / via /v1) | CPU ms per token, both processes (in-process / via /v1) | of that, their main threads | of that, the client's process | tokens per answer |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  await server.stop();
  if (scratchModels) rmSync(scratchModels, { recursive: true, force: true });
}
