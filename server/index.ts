// The HTTP entry: binds the port (first, so that a busy one fails before the database is opened),
// builds the services, serves the Remix app, and shuts down gracefully.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import type { Request, RequestHandler, Response } from "express";
import { loadConfig } from "./config";
import { createHttpApp } from "./http/app";
import { cspNonceOf } from "./http/content-security-policy";
import { listen, StartupProblem } from "./http/listen";
import { applyServerTimeouts } from "./http/server-timeouts";
import { shutDown } from "./http/shutdown";
import { clientGoneSignal } from "./http/client-gone";
import { FEEDBACK_EXPORT_PATH, feedbackExportOverChannel } from "./feedback/export-cli";
import { startLocalAdminChannel } from "./local-admin/channel";
import { runAdminRequest } from "./local-admin/commands";
import { logger } from "./logger";
import { createOpenAiRouter } from "./openai/router";
import { createServices } from "./services";

async function main() {
  const config = loadConfig();
  const server = createServer();
  applyServerTimeouts(server, config);
  const port = await listen(server, config.port, config.host);
  // Until the app is ready, a request gets "starting", not a refused connection.
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { "Content-Type": "text/plain", "Retry-After": "5", Connection: "close" });
    res.end("Loom is starting. Try again in a few seconds.\n");
  };
  server.on("request", starting);

  const remix = await loadRemix(config.production);
  const services = await createServices(config);
  const getLoadContext = (req: Request, res: Response) => ({
    services,
    clientAddress: req.ip ?? "unknown",
    cspNonce: cspNonceOf(res),
    clientGone: clientGoneSignal(res),
  });
  const remixHandler = createRequestHandler({ build: remix.build, mode: remix.mode, getLoadContext });

  const { app, inFlight } = createHttpApp({
    services,
    remixHandler,
    clientBuildDir: remix.clientBuildDir,
    devMiddleware: remix.devMiddleware,
    trustProxy: config.trustProxy,
    contentSecurityPolicy: config.production,
    openAiApi: createOpenAiRouter({
      services,
      maxBodyBytes: config.maxBodyBytes,
      streamIntervalMs: config.apiStreamIntervalMs,
    }),
  });
  // No other process may open the embedded database: the CLIs (admin:create, models) come through here.
  const localAdmin =
    services.database.driver === "pglite"
      ? await startLocalAdminChannel({
          dataDir: config.dataDir,
          run: (request) => runAdminRequest({ ...services, maxUploadBytes: config.maxUploadBytes }, request),
          streams: { [FEEDBACK_EXPORT_PATH]: (body) => feedbackExportOverChannel(services.feedback, body) },
          logger,
        })
      : undefined;
  server.off("request", starting);
  server.on("request", app);
  logger.info("listening", { url: `http://${config.host}:${port}`, port, database: services.database.driver });

  let shuttingDown = false;
  const onSignal = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    void localAdmin?.close();
    shutDown({ server, inFlight, services, graceMs: config.shutdownGraceMs, logger }, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}

/** The Remix build: the production one (and its client files), or Vite's in development. */
async function loadRemix(production: boolean) {
  if (production) {
    const buildPath = path.resolve("build/server/index.js");
    const build = (await import(buildPath).catch(() => {
      throw new StartupProblem(`No production build at ${buildPath}: run "npm run build" first (npm start does).`);
    })) as ServerBuild;
    return { build, mode: "production", clientBuildDir: path.resolve("build/client") };
  }
  const vite = await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }));
  return {
    build: () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
    mode: "development",
    devMiddleware: vite.middlewares as RequestHandler,
  };
}

main().catch((error: unknown) => {
  if (error instanceof StartupProblem) logger.error(error.message);
  else logger.error("failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
