// The HTTP entry: builds the services, serves the Remix app, and shuts down gracefully.
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import type { RequestHandler } from "express";
import { loadConfig } from "./config";
import { createHttpApp } from "./http/app";
import { startLocalAdminChannel } from "./local-admin/channel";
import { runAdminRequest } from "./local-admin/commands";
import { logger } from "./logger";
import { createServices } from "./services";

async function main() {
  const config = loadConfig();
  const services = await createServices(config);

  let remixHandler: RequestHandler;
  let devMiddleware: RequestHandler | undefined;
  let clientBuildDir: string | undefined;
  if (config.production) {
    const buildPath = path.resolve("build/server/index.js");
    const build = (await import(buildPath).catch(() => {
      throw new Error(`No production build at ${buildPath}: run "npm run build" first (npm start does).`);
    })) as ServerBuild;
    clientBuildDir = path.resolve("build/client");
    remixHandler = createRequestHandler({
      build,
      mode: "production",
      getLoadContext: (req) => ({ services, clientAddress: req.ip ?? "unknown" }),
    });
  } else {
    const vite = await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } }));
    devMiddleware = vite.middlewares;
    remixHandler = createRequestHandler({
      build: () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
      mode: "development",
      getLoadContext: (req) => ({ services, clientAddress: req.ip ?? "unknown" }),
    });
  }

  const { app, inFlight } = createHttpApp({
    services,
    remixHandler,
    clientBuildDir,
    devMiddleware,
    trustProxy: config.trustProxy,
  });
  // No other process may open the embedded database: the CLIs (admin:create, models) come through here.
  const localAdmin =
    services.database.driver === "pglite"
      ? await startLocalAdminChannel({
          dataDir: config.dataDir,
          run: (request) => runAdminRequest({ ...services, maxUploadBytes: config.maxUploadBytes }, request),
          logger,
        })
      : undefined;
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    logger.info("listening", { url: `http://${config.host}:${port}`, port, database: services.database.driver });
  });
  // Streams may run for minutes: no socket timeout on responses, but headers must come promptly.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  let shuttingDown = false;
  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info("shutting down", { signal, inFlight: inFlight.active });
    server.close(); // stop accepting; existing requests go on
    server.closeIdleConnections();
    const deadline = Date.now() + config.shutdownGraceMs;
    const outcome = await inFlight.drain(config.shutdownGraceMs);
    if (outcome === "deadline") {
      logger.warn("grace period over, closing remaining connections", { inFlight: inFlight.active });
      server.closeAllConnections();
    }
    await localAdmin?.close();
    // Detached chat generations get what is left of the grace period, then are stopped and saved.
    await services.close(Math.max(0, deadline - Date.now()));
    logger.info("stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  logger.error("failed to start", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
