import type { Response } from "express";

/**
 * Runs `decide` once, just before the response's headers are written, when the route has set its
 * own (as the on-headers package does): Remix copies a route's headers onto the response late.
 */
export function beforeHeaders(res: Response, decide: () => void) {
  const writeHead = res.writeHead;
  let decided = false;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    if (!decided) {
      decided = true;
      decide();
    }
    return Reflect.apply(writeHead, this, args) as Response;
  } as Response["writeHead"];
}
