// Deadlines for request bodies, by route. Node's own requestTimeout covers the whole request and
// cannot tell routes apart, and uploads of many GB take as long as the network needs: so ordinary
// bodies (at most LOOM_MAX_BODY_BYTES) must arrive in full within a deadline, and every body must
// keep moving. A body that stalls no longer holds its connection for ever.
import type { NextFunction, Request, Response } from "express";
import { logger } from "../logger";
import { sendError } from "./guards";

export interface BodyDeadline {
  /** Cut when no byte arrives for this long while the route waits for them. */
  idleMs: number;
  /** Cut when the body has not arrived in full after this long; unset: no limit (uploads). */
  totalMs?: number;
}

function hasBody(req: Request) {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

export function bodyDeadline(deadlineFor: (req: Request) => BodyDeadline) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.complete || !hasBody(req)) return next();
    const { idleMs, totalMs } = deadlineFor(req);
    const started = Date.now();
    let lastBytes = req.socket.bytesRead;
    let lastProgress = started;

    const check = () => {
      if (req.complete) return stop();
      const now = Date.now();
      // Bytes the route has not read yet (a full buffer) are the server's delay, not the client's.
      if (req.socket.bytesRead !== lastBytes || req.readableLength >= req.readableHighWaterMark) {
        lastBytes = req.socket.bytesRead;
        lastProgress = now;
      }
      if (totalMs !== undefined && now - started > totalMs) cut(`the body did not arrive within ${totalMs} ms`);
      else if (now - lastProgress > idleMs) cut(`no byte of the body came for ${idleMs} ms`);
    };
    const timer = setInterval(check, Math.max(10, Math.min(idleMs, totalMs ?? idleMs) / 4));
    timer.unref();
    const stop = () => clearInterval(timer);
    req.once("end", stop);
    res.once("close", stop);

    function cut(reason: string) {
      stop();
      logger.warn("request body too slow, connection closed", { method: req.method, path: req.path, reason });
      if (res.headersSent) return req.socket.destroy();
      res.setHeader("Connection", "close");
      res.once("finish", () => req.socket.destroy());
      sendError(req, res, 408, "The request body did not arrive in time.");
    }
    next();
  };
}
