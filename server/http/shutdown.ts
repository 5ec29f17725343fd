// Graceful shutdown (SIGTERM, SIGINT): stop accepting connections and close the idle keep-alive
// ones, wait for requests and chat generations to end on their own, and be done the moment
// nothing runs. When the grace period is nearly over, the streams left are cut with a notice
// their readers show (server/shutdown-notice.ts); they get the rest of it to send that last
// event, and whatever still hangs then is closed.
import type { Server } from "node:http";
import type { Logger } from "../logger";
import type { InFlightTracker } from "./in-flight";

export interface ShutdownTarget {
  server: Pick<Server, "close" | "closeIdleConnections" | "closeAllConnections">;
  inFlight: Pick<InFlightTracker, "drain" | "active">;
  services: {
    generations: { idle(ms: number): Promise<boolean> };
    /** Ends every stream still running with the shutdown notice; resolves once chat answers are saved. */
    cutStreams(): Promise<void>;
    close(): Promise<void>;
  };
  graceMs: number;
  logger: Pick<Logger, "info" | "warn">;
}

/** The end of the grace period kept for cut streams' last event: a second, less when it is short. */
export function lastWordMs(graceMs: number) {
  return Math.min(1_000, Math.floor(graceMs / 5));
}

export async function shutDown(target: ShutdownTarget, signal: string) {
  const { server, inFlight, services, logger } = target;
  const end = Date.now() + target.graceMs;
  const untilCut = target.graceMs - lastWordMs(target.graceMs);
  logger.info("shutting down", { signal, inFlight: inFlight.active });
  server.close(); // no new connections
  server.closeIdleConnections(); // and none kept alive for nothing

  // Chat generations may run with nobody reading them: they are waited for too.
  const [requests, generationsEnded] = await Promise.all([
    inFlight.drain(untilCut),
    services.generations.idle(untilCut),
  ]);
  if (requests === "deadline" || !generationsEnded) {
    logger.warn("grace period over, cutting the streams still running", { inFlight: inFlight.active });
    await Promise.race([services.cutStreams(), sleep(end - Date.now())]);
    if ((await inFlight.drain(Math.max(0, end - Date.now()))) === "deadline") {
      logger.warn("closing the connections left", { inFlight: inFlight.active });
      server.closeAllConnections();
    }
  }
  await services.close();
  logger.info("stopped");
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
