import type { NextFunction, Request, Response } from "express";

/** Counts requests in progress so shutdown can wait for streams to finish. */
export function createInFlightTracker() {
  let active = 0;
  let onIdle: (() => void) | undefined;
  const middleware = (_req: Request, res: Response, next: NextFunction) => {
    active++;
    res.once("close", () => {
      active--;
      if (active === 0) onIdle?.();
    });
    next();
  };
  /** Resolves when no request is in flight, or after the deadline; says which. */
  const drain = (deadlineMs: number) =>
    new Promise<"drained" | "deadline">((resolve) => {
      if (active === 0) return resolve("drained");
      const timer = setTimeout(() => resolve("deadline"), deadlineMs);
      onIdle = () => {
        clearTimeout(timer);
        resolve("drained");
      };
    });
  return {
    middleware,
    drain,
    get active() {
      return active;
    },
  };
}
