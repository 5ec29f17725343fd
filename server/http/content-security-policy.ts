// The Content-Security-Policy: scripts only from this origin, and inline ones only with this
// response's nonce. Remix's hydration scripts are inline and carry per-request data, so hashes
// cannot list them: the nonce travels to app/entry.server.tsx through the load context, and the
// root renders <Scripts>/<ScrollRestoration> with it. No eval (app/zod-jitless.client.ts keeps
// zod from probing for it). Inline styles stay allowed: React's `style` attributes and the code
// editor's (CodeMirror injects its own <style> elements).
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

/** The nonce of this response's inline scripts (set by contentSecurityPolicy). */
export function cspNonceOf(res: Response): string | undefined {
  return (res.locals as { cspNonce?: string }).cspNonce;
}

export function policy(nonce: string) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function contentSecurityPolicy(_req: Request, res: Response, next: NextFunction) {
  const nonce = randomBytes(16).toString("base64");
  (res.locals as { cspNonce?: string }).cspNonce = nonce;
  res.setHeader("Content-Security-Policy", policy(nonce));
  next();
}
