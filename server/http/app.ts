// The Express application: guards, health, static files and the Remix handler.
import express, { type RequestHandler } from "express";
import { deviceFallbacks } from "../inference";
import type { AppServices } from "../services";
import { bodyDeadline, type BodyDeadline } from "./body-timeout";
import { noStore } from "./cache-control";
import { contentSecurityPolicy } from "./content-security-policy";
import { bodySizeLimit, sameOriginMutations, securityHeaders, sendError } from "./guards";
import { createHealthCheck } from "./health";
import { createInFlightTracker } from "./in-flight";
import { requestLog } from "./request-log";

export interface HttpAppOptions {
  services: Pick<AppServices, "config" | "database" | "registry">;
  remixHandler: RequestHandler;
  /** build/client in production; in development Vite serves assets through `devMiddleware`. */
  clientBuildDir?: string;
  devMiddleware?: RequestHandler;
  trustProxy?: string;
  /**
   * Send the Content-Security-Policy (production). Vite's development client injects styles and
   * opens its own WebSocket, which the policy would refuse.
   */
  contentSecurityPolicy?: boolean;
  /** The OpenAI-compatible API, mounted at /v1 before the web app's guards (server/openai). */
  openAiApi?: RequestHandler;
  /** How long bodies may take (tests shorten them). */
  bodyDeadlines?: { ordinary: BodyDeadline; upload: BodyDeadline };
}

/** Upload routes stream bodies to disk under their own (much larger) limit. */
const UPLOAD_PATH = /^\/api\/admin\/uploads\/[0-9a-f]{32}\/(files|archive)$/;

/** An ordinary body is small: in full within a minute. An upload only has to keep moving. */
const BODY_DEADLINES = {
  ordinary: { idleMs: 30_000, totalMs: 60_000 },
  upload: { idleMs: 60_000 },
};

export function createHttpApp(options: HttpAppOptions) {
  const { services, remixHandler, clientBuildDir, devMiddleware, trustProxy } = options;
  const bodyDeadlines = options.bodyDeadlines ?? BODY_DEADLINES;
  const app = express();
  const inFlight = createInFlightTracker();
  app.disable("x-powered-by");
  if (trustProxy)
    app.set(
      "trust proxy",
      trustProxy.split(",").map((s) => s.trim()),
    );

  app.use(inFlight.middleware, requestLog, securityHeaders);
  // The health check and the OpenAI-compatible API before the static files: express.static looks
  // each path it is given up on disk (a stat on libuv's thread pool), which neither a balancer's
  // poll nor a /v1 request has a use for.
  const health = createHealthCheck(services);
  app.get("/healthz", noStore, async (_req, res) => {
    const report = await health.report();
    res.status(report.healthy ? 200 : 503).json({
      status: report.healthy ? "ok" : "degraded",
      database: { driver: services.database.driver, ...report.database },
      registry: report.registry,
      checked_ms_ago: report.checkedMsAgo,
      // Each fallback from LOOM_DEVICE this process has made, with its reason (none: as asked).
      device: { fallbacks: deviceFallbacks() },
    });
  });
  // Bearer keys only (no cookies), so the same-origin check below does not apply; it has its own
  // body limits.
  if (options.openAiApi) app.use("/v1", noStore, options.openAiApi);

  if (devMiddleware) app.use(devMiddleware);
  if (clientBuildDir) {
    // Vite fingerprints everything under assets/: cache it for a year.
    app.use("/assets", express.static(`${clientBuildDir}/assets`, { immutable: true, maxAge: "1y" }));
    app.use(express.static(clientBuildDir, { maxAge: "1h" }));
  }

  // From here on, every answer is the app's own: per user or live.
  app.use(noStore);
  if (options.contentSecurityPolicy) app.use(contentSecurityPolicy);

  const ordinaryBodyLimit = bodySizeLimit(services.config.maxBodyBytes);
  app.use(
    sameOriginMutations,
    (req, res, next) => (UPLOAD_PATH.test(req.path) ? next() : ordinaryBodyLimit(req, res, next)),
    bodyDeadline((req) => (UPLOAD_PATH.test(req.path) ? bodyDeadlines.upload : bodyDeadlines.ordinary)),
  );
  app.all("*", remixHandler);

  // Last resort: errors thrown outside Remix (Remix renders its own). Never a stack trace to users.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    void error;
    if (!res.headersSent) sendError(req, res, 500, "Something went wrong on our side.");
  });

  return { app, inFlight };
}
