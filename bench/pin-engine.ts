// --pin-engine for bench:remote (Linux, util-linux's `taskset`): the engine's thread gets the
// last CPU to itself and every other thread of both processes (the event loops, the client, libuv
// and V8's helpers) shares the others. Deployed, a remote engine's clients run on other machines;
// on one small VM the bench's own client otherwise runs on the engine's cores, and what the
// sides' figures then differ by is that contention as much as the HTTP hop.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/** CPU ticks (user + system) of each thread of a process. */
function threadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}

function setAffinity(tid: number, cpus: string) {
  try {
    execFileSync("taskset", ["-pc", cpus, String(tid)], { stdio: "ignore" });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") throw new Error("--pin-engine needs taskset (util-linux)");
    // Otherwise the thread ended since it was listed: nothing to pin.
  }
}

/**
 * Runs `work` (which must keep the engine busy), takes the server's thread that used the most CPU
 * during it as the engine's, and pins it as above. Returns what it did, for the report.
 */
export async function pinEngine(serverPid: number, clientPid: number, work: () => Promise<unknown>): Promise<string> {
  const cpus = os.cpus().length;
  if (cpus < 2) throw new Error("--pin-engine needs at least 2 CPUs");
  const before = threadTicks(serverPid);
  await work();
  const after = threadTicks(serverPid);
  const used = [...after].map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
  const [engine] = used[0]!;
  if (engine === serverPid)
    throw new Error("--pin-engine: the server's busiest thread was its event loop, not the engine");
  const engineCpu = String(cpus - 1);
  const others = cpus === 2 ? "0" : `0-${cpus - 2}`;
  for (const pid of [serverPid, clientPid])
    for (const tid of threadTicks(pid).keys()) setAffinity(tid, tid === engine ? engineCpu : others);
  return `engine thread ${engine} on CPU ${engineCpu}; every other thread of both processes on CPU ${others}`;
}
