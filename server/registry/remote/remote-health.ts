// The health of each remote engine: every 30 s, GET {baseUrl}/models with its key (5 s at most,
// all remotes at once), and is its model still listed? The answers are cached: status() and the
// admin page read the cache and never wait on a remote; a round still running is not doubled.
import type { Logger } from "../../logger";
import { publicErrorOf } from "../../http-error";
import { listRemoteModels } from "./list-remote-models";

export const HEALTH_INTERVAL_MS = 30_000;
export const HEALTH_TIMEOUT_MS = 5_000;

export interface RemoteHealth {
  /** unknown: not checked yet (the first round runs at start). */
  state: "up" | "down" | "unknown";
  checkedAt?: string;
  latencyMs?: number;
  /** Why it is down, in words for the admin. */
  error?: string;
}

export interface HealthTarget {
  id: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
}

export function createRemoteHealth(options: {
  targets: () => Promise<HealthTarget[]>;
  logger: Logger;
  timeoutMs?: number;
}) {
  const { logger, timeoutMs = HEALTH_TIMEOUT_MS } = options;
  const health = new Map<string, RemoteHealth>();
  let round: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function checkOne(target: HealthTarget): Promise<RemoteHealth> {
    const started = performance.now();
    const checkedAt = new Date().toISOString();
    try {
      const listed = await listRemoteModels(target.baseUrl, target.apiKey, timeoutMs);
      const latencyMs = Math.round(performance.now() - started);
      if (!listed.includes(target.model))
        return { state: "down", checkedAt, latencyMs, error: `The remote no longer lists "${target.model}".` };
      return { state: "up", checkedAt, latencyMs };
    } catch (error) {
      return { state: "down", checkedAt, error: publicErrorOf(error)?.message ?? String(error) };
    }
  }

  /** One round over every remote; resolves when it is done (a round in progress is joined). */
  function check(): Promise<void> {
    round ??= (async () => {
      try {
        const targets = await options.targets();
        const ids = new Set(targets.map((t) => t.id));
        for (const id of health.keys()) if (!ids.has(id)) health.delete(id);
        await Promise.all(
          targets.map(async (t) => {
            const before = health.get(t.id)?.state;
            const now = await checkOne(t);
            health.set(t.id, now);
            if (before !== now.state && now.state === "down")
              logger.warn("remote engine down", { modelId: t.id, error: now.error });
            else if (before === "down" && now.state === "up") logger.info("remote engine up again", { modelId: t.id });
          }),
        );
      } catch (error) {
        logger.warn("remote health check failed", { error: String(error) });
      } finally {
        round = undefined;
      }
    })();
    return round;
  }

  return {
    check,
    /** Checks now, then every `intervalMs`; the timer does not keep the process alive. */
    start(intervalMs = HEALTH_INTERVAL_MS) {
      if (timer) return;
      void check();
      timer = setInterval(() => void check(), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** The cached health of a remote model. */
    of: (id: string): RemoteHealth => health.get(id) ?? { state: "unknown" },
    /** Every checked remote's, by model id. */
    snapshot: (): Record<string, RemoteHealth> => Object.fromEntries(health),
  };
}
