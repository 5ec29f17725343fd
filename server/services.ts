// Everything a request needs, built once by the server entry and handed to Remix through the load
// context. Routes never open their own database: one process, one pool, one PGlite.
import { createCookie, type Cookie } from "@remix-run/node";
import { openDatabase, type Database } from "../db/client";
import { createAuthService, type AuthService } from "./auth/auth-service";
import type { Config } from "./config";
import { logger } from "./logger";
import { createRegistry, type Registry } from "./registry/registry";

export interface AppServices {
  database: Database;
  auth: AuthService;
  registry: Registry;
  sessionCookie: Cookie;
  maxBodyBytes: number;
}

export async function createServices(config: Config): Promise<AppServices> {
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
  logger.info("database ready", { driver: database.driver });
  const auth = createAuthService(database.db);
  if (config.admin) {
    const admin = await auth.ensureAdmin(config.admin);
    logger.info("admin account ensured", { email: admin.email });
  }
  await auth.purgeExpired();
  return {
    database,
    auth,
    registry: createRegistry(database.db, config.modelsDir),
    sessionCookie: createCookie("loom_session", {
      httpOnly: true,
      // Lax: sent on top-level navigation (links from elsewhere keep you signed in) but not on
      // cross-site POSTs; the server's origin check covers the rest of CSRF.
      sameSite: "lax",
      secure: config.secureCookies,
      path: "/",
      secrets: [config.sessionSecret],
      maxAge: 30 * 24 * 3600,
    }),
    maxBodyBytes: config.maxBodyBytes,
  };
}
