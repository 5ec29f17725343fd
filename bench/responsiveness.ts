// How free the main thread stays while the engine works, for bench/engine.ts: the event-loop
// delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) and the latency of a /healthz-like
// HTTP endpoint served on this thread and polled from another thread (so the poller's own timers
// are not delayed by what it measures). The endpoint answers the model's stats as JSON, like the
// registry part of the real /healthz, without its database ping.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { SchedulerStats } from "../server/inference/index";

export interface Responsiveness {
  /** Event-loop delay p99 on the main thread, ms. */
  loopP99: number;
  /** /healthz probe latency p99, ms (one request every 10 ms, one at a time). */
  httpP99: number;
  probes: number;
}

// Plain JS for the poller thread: it needs no TypeScript.
const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let running = false;
let latencies = [];
function probe() {
  if (!running) return;
  const started = performance.now();
  http.get({ host: "127.0.0.1", port: workerData.port, path: "/healthz", agent }, (res) => {
    res.resume();
    res.on("end", () => {
      latencies.push(performance.now() - started);
      setTimeout(probe, 10);
    });
  }).on("error", () => setTimeout(probe, 10));
}
parentPort.on("message", (m) => {
  if (m === "start") { running = true; latencies = []; probe(); }
  else if (m === "stop") { running = false; parentPort.postMessage(latencies); }
  else if (m === "exit") { agent.destroy(); process.exit(0); }
});
`;

export interface Probe {
  /** Runs `work` while measuring; `stats` is what the endpoint answers. */
  measure<T>(stats: () => SchedulerStats, work: () => Promise<T>): Promise<{ result: T } & Responsiveness>;
  close(): Promise<void>;
}

export async function startProbe(): Promise<Probe> {
  let current: (() => SchedulerStats) | undefined;
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status: "ok", generating: current?.() ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const poller = new Worker(POLLER, { eval: true, workerData: { port } });
  const stopPolling = () =>
    new Promise<number[]>((resolve) => {
      poller.once("message", resolve);
      poller.postMessage("stop");
    });
  return {
    async measure(stats, work) {
      current = stats;
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      poller.postMessage("start");
      const result = await work();
      const latencies = await stopPolling();
      histogram.disable();
      return {
        result,
        loopP99: histogram.percentile(99) / 1e6,
        httpP99: percentile(latencies, 99),
        probes: latencies.length,
      };
    },
    async close() {
      poller.postMessage("exit");
      await new Promise((resolve) => poller.once("exit", resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
