// npm run bench:load -- [--users 10] [--chats 50] [--translates 20] [--timeout 180] [--only pglite|postgres]
// The whole server under concurrent streams, on loopback: starts the production build (run
// `npm run build` first) with a fresh data folder, signs up N users, then runs the chat and
// translate streams at once while polling /healthz. Prints errors by status, time to first token
// per app, /healthz latency and the server's RSS. On the embedded PGlite always; again on
// PostgreSQL when DATABASE_URL is set. A benchmark, never a pass/fail test.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10" },
    chats: { type: "string", default: "50" },
    translates: { type: "string", default: "20" },
    timeout: { type: "string", default: "180" },
    only: { type: "string" },
  },
});
// Bounded on purpose: this is a load on one machine, not a stress tool.
const bounded = (value: string, max: number) => Math.min(max, Math.max(0, Math.floor(Number(value)) || 0));
const USERS = Math.max(1, bounded(values.users, 100));
const CHATS = bounded(values.chats, 200);
const TRANSLATES = bounded(values.translates, 200);
const TIMEOUT_MS = Math.max(10, bounded(values.timeout, 600)) * 1000;
const HEALTH_EVERY_MS = 100;
// Stopped from the terminal: exit normally, so the server started below is killed too.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

interface StreamResult {
  app: "chat" | "translate";
  status: number | "network" | "timeout";
  /** An error chunk inside a 200 stream. */
  streamError?: string;
  ttftMs?: number;
  totalMs: number;
}

interface Figures {
  database: string;
  wallMs: number;
  results: StreamResult[];
  healthMs: number[];
  /** The slowest /healthz: its latency and when it was sent, in ms from the start of the load. */
  slowestHealth: { ms: number; at: number };
  healthFailures: number;
  rss: { before: number; peak: number; after: number };
  /** The server's CPU time (all threads) during the load: steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

// ---- the server under test ----

interface Server {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string | undefined): Promise<Server> {
  if (!existsSync("build/server/index.js")) throw new Error('No production build: run "npm run build" first.');
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-bench-"));
  // node --import tsx directly (not the tsx binary, which forks): the child's pid is the server's.
  // LOOM_BENCH_NODE_ARGS: extra flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.LOOM_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "server/index.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl ?? "",
      LOOM_DATA_DIR: dataDir,
      LOOM_REQUESTS_PER_MINUTE: "100000",
      LOOM_SHUTDOWN_GRACE_MS: "2000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Never leave a server behind: not when it fails to start, nor when this process is stopped.
  const killServer = () => child.kill("SIGKILL");
  process.once("exit", killServer);
  let output = "";
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in 120 s:\n${output.slice(-4000)}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const match = /"msg":"listening","url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.slice(-4000)}`));
    });
  }).catch((error: unknown) => {
    killServer();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  // Keep draining its log so a full pipe never blocks it; LOOM_BENCH_SERVER_LOG keeps a copy.
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  const logFile = process.env.LOOM_BENCH_SERVER_LOG;
  if (logFile) {
    const log = createWriteStream(logFile);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  return {
    baseUrl,
    child,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      process.off("exit", killServer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in seconds (Linux clock ticks, 100 per second). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

// ---- clients ----

async function signUp(baseUrl: string, index: number): Promise<string> {
  const email = `bench-${index}-${randomUUID().slice(0, 8)}@example.com`;
  const response = await fetch(`${baseUrl}/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ name: `Bench ${index}`, email, password: "bench-password-1" }),
    redirect: "manual",
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error(`sign-up failed: HTTP ${response.status}`);
  return cookie;
}

/** Reads an AI SDK UI message stream to its end: time to the first text delta, and any error chunk. */
async function readStream(response: Response, startedAt: number, deadline: AbortSignal) {
  let ttftMs: number | undefined;
  let streamError: string | undefined;
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done || deadline.aborted) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .find((line) => line.startsWith("data: "))
        ?.slice(6);
      if (!data || data === "[DONE]") continue;
      const part = JSON.parse(data) as { type: string; errorText?: string };
      if (part.type === "text-delta") ttftMs ??= performance.now() - startedAt;
      if (part.type === "error") streamError = part.errorText ?? "error";
    }
  }
  return { ttftMs, streamError };
}

async function timedStream(
  app: StreamResult["app"],
  deadline: AbortSignal,
  request: () => Promise<Response>,
): Promise<StreamResult> {
  const startedAt = performance.now();
  try {
    const response = await request();
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { app, status: response.status, totalMs: performance.now() - startedAt };
    }
    const { ttftMs, streamError } = await readStream(response, startedAt, deadline);
    if (deadline.aborted) return { app, status: "timeout", ttftMs, totalMs: performance.now() - startedAt };
    return { app, status: response.status, streamError, ttftMs, totalMs: performance.now() - startedAt };
  } catch {
    return { app, status: deadline.aborted ? "timeout" : "network", totalMs: performance.now() - startedAt };
  }
}

function chatStream(baseUrl: string, cookie: string, chatId: string, deadline: AbortSignal) {
  return timedStream("chat", deadline, () =>
    fetch(`${baseUrl}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify({
        chatId,
        parentId: null,
        message: { id: randomUUID(), text: "Tell me a long story about a lighthouse keeper." },
      }),
      signal: deadline,
    }),
  );
}

function translateStream(baseUrl: string, cookie: string, deadline: AbortSignal) {
  return timedStream("translate", deadline, () =>
    fetch(`${baseUrl}/api/translate`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify({
        text: "The weather is nice today, and the children are playing in the garden.",
        source: "en",
        target: "de",
      }),
      signal: deadline,
    }),
  );
}

async function createChat(baseUrl: string, cookie: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/chats`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie },
    body: "{}",
  });
  if (!response.ok) throw new Error(`creating a chat failed: HTTP ${response.status}`);
  return ((await response.json()) as { chat: { id: string } }).chat.id;
}

/** Polls /healthz one request at a time until stopped: a stalled event loop shows as a slow answer. */
async function pollHealth(baseUrl: string, stop: AbortSignal, origin: number) {
  const latencies: number[] = [];
  let slowest = { ms: 0, at: 0 };
  let failures = 0;
  while (!stop.aborted) {
    const startedAt = performance.now();
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (!response.ok) failures++;
    } catch {
      failures++;
    }
    const latency = performance.now() - startedAt;
    latencies.push(latency);
    if (latency > slowest.ms) slowest = { ms: latency, at: startedAt - origin };
    await new Promise((resolve) => setTimeout(resolve, HEALTH_EVERY_MS));
  }
  return { latencies, slowest, failures };
}

// ---- one run ----

async function runLoad(database: string, databaseUrl: string | undefined): Promise<Figures> {
  console.error(`[${database}] starting the server…`);
  const server = await startServer(databaseUrl);
  try {
    const { baseUrl } = server;
    const pid = server.child.pid!;
    const cookies: string[] = [];
    for (let i = 0; i < USERS; i++) cookies.push(await signUp(baseUrl, i));
    const chatIds: string[] = [];
    for (let i = 0; i < CHATS; i++) chatIds.push(await createChat(baseUrl, cookies[i % USERS]!));
    // One warm-up translation loads the model, so the load measures serving, not loading.
    await translateStream(baseUrl, cookies[0]!, AbortSignal.timeout(120_000));
    const before = rssBytes(pid);

    console.error(`[${database}] ${CHATS} chats + ${TRANSLATES} translations from ${USERS} users…`);
    let peak = before;
    const rssTimer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 200);
    const stopHealth = new AbortController();
    const startedAt = performance.now();
    const cpuBefore = cpuSeconds(pid);
    const health = pollHealth(baseUrl, stopHealth.signal, startedAt);
    const deadline = AbortSignal.timeout(TIMEOUT_MS);
    // Interleaved (the translations spread evenly among the chats): the engine serves requests
    // first come, first served, so sending all of one kind first would time the order, not the server.
    const streams = [
      ...chatIds.map((id, i) => ({ at: i / CHATS, run: () => chatStream(baseUrl, cookies[i % USERS]!, id, deadline) })),
      ...Array.from({ length: TRANSLATES }, (_, i) => ({
        at: (i + 0.5) / TRANSLATES,
        run: () => translateStream(baseUrl, cookies[i % USERS]!, deadline),
      })),
    ].sort((a, b) => a.at - b.at);
    const results = await Promise.all(streams.map((s) => s.run()));
    const wallMs = performance.now() - startedAt;
    const cpu = cpuSeconds(pid) - cpuBefore;
    stopHealth.abort();
    const { latencies, slowest, failures } = await health;
    clearInterval(rssTimer);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return {
      database,
      wallMs,
      results,
      healthMs: latencies,
      slowestHealth: slowest,
      healthFailures: failures,
      rss: { before, peak, after: rssBytes(pid) },
      cpuSeconds: cpu,
    };
  } finally {
    await server.stop();
  }
}

// ---- report ----

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (value: number | undefined) => (value === undefined ? "–" : `${Math.round(value).toLocaleString("en")}`);
const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)}`;

function errorsOf(figures: Figures): string {
  const counts = new Map<string, number>();
  for (const r of figures.results) {
    const key = r.status === 200 ? (r.streamError ? "200 with an error chunk" : undefined) : String(r.status);
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (figures.healthFailures) counts.set("/healthz failed", figures.healthFailures);
  return counts.size ? [...counts].map(([k, n]) => `${n}× ${k}`).join(", ") : "0";
}

function report(all: Figures[]) {
  const ttft = (f: Figures, app: StreamResult["app"], p: number) =>
    ms(
      percentile(
        f.results.filter((r) => r.app === app && r.ttftMs !== undefined).map((r) => r.ttftMs!),
        p,
      ),
    );
  const rows: [string, (f: Figures) => string][] = [
    ["streams (chat + translate)", (f) => `${f.results.length}`],
    ["wall time of the load, s", (f) => (f.wallMs / 1000).toFixed(1)],
    ["server CPU time during the load, s", (f) => f.cpuSeconds.toFixed(1)],
    ["errors by status", errorsOf],
    ["chat TTFT p50 / p95, ms", (f) => `${ttft(f, "chat", 50)} / ${ttft(f, "chat", 95)}`],
    ["translate TTFT p50 / p95, ms", (f) => `${ttft(f, "translate", 50)} / ${ttft(f, "translate", 95)}`],
    [
      "/healthz p50 / p99 / max, ms",
      (f) =>
        `${ms(percentile(f.healthMs, 50))} / ${ms(percentile(f.healthMs, 99))} / ${ms(Math.max(0, ...f.healthMs))}`,
    ],
    ["/healthz polls", (f) => `${f.healthMs.length}`],
    [
      "slowest /healthz sent at, s into the load",
      (f) => `${(f.slowestHealth.at / 1000).toFixed(1)} (of ${(f.wallMs / 1000).toFixed(1)})`,
    ],
    ["RSS before / peak / after, MiB", (f) => `${mib(f.rss.before)} / ${mib(f.rss.peak)} / ${mib(f.rss.after)}`],
  ];
  const lines = [
    `| measure | ${all.map((f) => f.database).join(" | ")} |`,
    `| --- | ${all.map(() => "---:").join(" | ")} |`,
    ...rows.map(([label, cell]) => `| ${label} | ${all.map(cell).join(" | ")} |`),
  ];
  console.log(`\n${USERS} users, ${CHATS} chats + ${TRANSLATES} translate streams at once, loopback\n`);
  console.log(lines.join("\n"));
}

const databaseUrl = process.env.DATABASE_URL || undefined;
if (values.only === "postgres" && !databaseUrl) throw new Error("--only postgres needs DATABASE_URL.");
const figures: Figures[] = [];
if (values.only !== "postgres") figures.push(await runLoad("PGlite", undefined));
if (databaseUrl && values.only !== "pglite") figures.push(await runLoad("PostgreSQL", databaseUrl));
report(figures);
