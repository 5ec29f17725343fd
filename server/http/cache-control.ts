import type { NextFunction, Request, Response } from "express";
import { beforeHeaders } from "./before-headers";

/**
 * What the app answers (pages, API, exports, health) is someone's own or live: never kept by a
 * browser or a proxy. Static files are served before this and stay cacheable. A route's
 * `no-transform` (event streams) is kept; any other Cache-Control it sets gives way.
 */
export function noStore(_req: Request, res: Response, next: NextFunction) {
  beforeHeaders(res, () => {
    const own = String(res.getHeader("Cache-Control") ?? "");
    res.setHeader("Cache-Control", /\bno-transform\b/i.test(own) ? "no-store, no-transform" : "no-store");
  });
  next();
}
