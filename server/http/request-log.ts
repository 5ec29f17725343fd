import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { logger } from "../logger";

/** One structured line per request when it ends (or is cut off); paths only, never query strings or cookies. */
export function requestLog(req: Request, res: Response, next: NextFunction) {
  const started = process.hrtime.bigint();
  const requestId = randomUUID();
  res.setHeader("X-Request-Id", requestId);
  // "finish" and then "close" both come for a completed response: the first one logs. Other
  // listeners (the in-flight count) need both events, so none is removed.
  let logged = false;
  const done = (event: "finish" | "close") => () => {
    if (logged) return;
    logged = true;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const fields = {
      requestId,
      method: req.method,
      path: req.path,
      status: res.statusCode,
      ms: Math.round(ms * 10) / 10,
    };
    if (event === "close" && !res.writableFinished) logger.info("request aborted by client", fields);
    else logger.info("request", fields);
  };
  res.once("finish", done("finish"));
  res.once("close", done("close"));
  next();
}
