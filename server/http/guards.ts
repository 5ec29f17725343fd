// Request guards that apply to every route before Remix sees it.
import type { NextFunction, Request, Response } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A short plain-language error, as JSON for API callers and as text otherwise. */
export function sendError(req: Request, res: Response, status: number, message: string) {
  if (req.accepts(["html", "json"]) === "json" || req.path.startsWith("/api/")) {
    res.status(status).json({ error: message });
  } else {
    res.status(status).type("text/plain").send(message);
  }
}

/**
 * CSRF defence in depth (SameSite=Lax cookies are the first layer): a state-changing request that
 * says where it comes from must come from this origin. Browsers send Origin on every POST; a
 * request with neither Origin nor Referer is not a browser acting for a signed-in user.
 */
export function sameOriginMutations(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const source = req.get("origin") ?? req.get("referer");
  if (!source) return next();
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host;
  } catch {
    return sendError(req, res, 403, "Cross-origin request refused.");
  }
  if (sourceHost !== req.get("host")) return sendError(req, res, 403, "Cross-origin request refused.");
  next();
}

/**
 * Bodies are bounded before anything reads them. Remix reads bodies itself, so the limit is
 * checked on Content-Length; a body without one (chunked) is refused with 411 on ordinary routes.
 */
export function bodySizeLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const length = req.get("content-length");
    if (length === undefined) {
      if (req.get("transfer-encoding")) return sendError(req, res, 411, "A Content-Length header is required.");
      return next();
    }
    if (!/^\d+$/.test(length)) return sendError(req, res, 400, "Invalid Content-Length header.");
    if (Number(length) > maxBytes) {
      return sendError(req, res, 413, `Request body too large: the limit is ${Math.floor(maxBytes / 1024)} KiB.`);
    }
    next();
  };
}

export function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set({
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
  });
  next();
}
