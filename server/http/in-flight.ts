// Counts requests in progress so shutdown can wait for them, and makes every response of the
// drain close its connection: keep-alive clients still send requests on connections that were
// busy when the drain began.
import type { NextFunction, Request, Response } from "express";

export type DrainOutcome = "drained" | "deadline";

export function createInFlightTracker() {
  const active = new Set<Response>();
  const idleWaiters = new Set<() => void>();
  let draining = false;

  const middleware = (_req: Request, res: Response, next: NextFunction) => {
    active.add(res);
    if (draining) res.setHeader("Connection", "close");
    res.once("close", () => {
      active.delete(res);
      if (active.size === 0) for (const wake of [...idleWaiters]) wake();
    });
    next();
  };

  /**
   * Starts the drain: responses not yet begun will close their connection. Resolves when no
   * request is in flight, or after `deadlineMs`; says which. May be called again (a second wait).
   */
  const drain = (deadlineMs: number) => {
    draining = true;
    for (const res of active) if (!res.headersSent) res.setHeader("Connection", "close");
    return new Promise<DrainOutcome>((resolve) => {
      if (active.size === 0) return resolve("drained");
      const timer = setTimeout(() => {
        idleWaiters.delete(wake);
        resolve("deadline");
      }, deadlineMs);
      const wake = () => {
        clearTimeout(timer);
        idleWaiters.delete(wake);
        resolve("drained");
      };
      idleWaiters.add(wake);
    });
  };

  return {
    middleware,
    drain,
    get active() {
      return active.size;
    },
  };
}

export type InFlightTracker = ReturnType<typeof createInFlightTracker>;
