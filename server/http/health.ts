// What /healthz reports: the database's answer to a ping and the registry's counts, checked at
// most once a second and never waited on for long. Under load a ping queues behind the requests'
// own statements (PGlite has one connection, postgres.js a pool of 10): waiting for it made
// /healthz take 4–5 s exactly when a load balancer most needs an answer (docs/performance.md).
// A request that finds a result under REUSE_MS old answers with it at once and leaves the probe
// it starts to the next request: under load even a 100 ms wait for the ping was most of
// /healthz's p99 (388 → 55–114 ms on PGlite, docs/performance.md). Only an older result (an idle
// server polled rarely) waits, at most WAIT_MS, for a fresh one. The database counts as down
// once no probe has succeeded for STALE_MS.
import type { Database } from "../../db/client";
import type { Registry } from "../registry/registry";

/** A result younger than this is reported as it is. */
const FRESH_MS = 1_000;
/** How long one request waits for a probe in progress, when the last result is older than REUSE_MS. */
const WAIT_MS = 100;
/** A result younger than this is reported at once while a newer probe runs. */
const REUSE_MS = 5_000;
/** No successful ping for this long: degraded, whatever the last result said. */
const STALE_MS = 10_000;

type RegistryStatus = Awaited<ReturnType<Registry["status"]>>;

interface Probe {
  at: number;
  database: { ok: true } | { ok: false; error: string };
  registry: RegistryStatus | { error: string };
}

export interface HealthReport {
  healthy: boolean;
  database: { ok: boolean; error?: string };
  registry: Probe["registry"];
  /** How old the probe behind this report is. */
  checkedMsAgo: number;
}

export function createHealthCheck(
  services: { database: Pick<Database, "ping">; registry: Pick<Registry, "status"> },
  now: () => number = Date.now,
) {
  let latest: Probe | undefined;
  let lastOkAt: number | undefined;
  let running: { probe: Promise<Probe>; since: number } | undefined;
  const startedAt = now();

  async function probe(): Promise<Probe> {
    const [database, registry] = await Promise.allSettled([services.database.ping(), services.registry.status()]);
    const result: Probe = {
      at: now(),
      database: database.status === "fulfilled" ? { ok: true } : { ok: false, error: String(database.reason) },
      registry: registry.status === "fulfilled" ? registry.value : { error: String(registry.reason) },
    };
    if (result.database.ok) lastOkAt = result.at;
    latest = result;
    return result;
  }

  function toReport(result: Probe | undefined): HealthReport {
    const sinceOk = now() - (lastOkAt ?? startedAt);
    const stale = sinceOk > STALE_MS;
    const database =
      result && result.database.ok && !stale
        ? { ok: true }
        : {
            ok: false,
            error:
              result && !result.database.ok
                ? result.database.error
                : `the database has not answered a ping for ${Math.round(sinceOk / 1000)} s`,
          };
    return {
      healthy: database.ok,
      database,
      registry: result?.registry ?? { error: "not checked yet" },
      checkedMsAgo: result ? now() - result.at : 0,
    };
  }

  return {
    async report(): Promise<HealthReport> {
      if (latest && now() - latest.at < FRESH_MS) return toReport(latest);
      // A probe that hangs (a connection that neither answers nor fails) is left behind after
      // STALE_MS so that a database that comes back is seen again.
      if (!running || now() - running.since > STALE_MS) {
        const started = { probe: probe(), since: now() };
        void started.probe.finally(() => running === started && (running = undefined));
        running = started;
      }
      if (latest && now() - latest.at < REUSE_MS) return toReport(latest);
      // Before the first result there is nothing to report but the wait itself.
      const wait = latest ? WAIT_MS : STALE_MS;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), wait);
      });
      const result = await Promise.race([running.probe, timedOut]).finally(() => clearTimeout(timer));
      return toReport(result ?? latest);
    },
  };
}

export type HealthCheck = ReturnType<typeof createHealthCheck>;
