// The CLIs' side of an admin request: run it in this process when it may open the database
// (PostgreSQL, or an embedded database no one holds), else hand it to the running server that
// holds the embedded one, through its local admin socket. Never a second PGlite on one folder.
import { existsSync } from "node:fs";
import http from "node:http";
import { openDatabase } from "../../db/client";
import { isDatabaseInUse, type DatabaseInUseError } from "../../db/lock";
import { createApiKeys } from "../auth/api-keys";
import { createAuthService } from "../auth/auth-service";
import { loadConfig } from "../config";
import { logger } from "../logger";
import { createRegistry } from "../registry/registry";
import { createUploadStaging } from "../uploads/staging";
import { localAdminSocketPath } from "./channel";
import { runAdminRequest, type AdminRequest } from "./commands";

/**
 * Runs one request, prints its lines (errors on stderr) and returns the exit code. `ifNoServer`
 * is said when another process holds the database and cannot be reached: what to do instead.
 */
export async function runAdminCommand(request: AdminRequest, ifNoServer: string): Promise<number> {
  const config = loadConfig();
  let database;
  try {
    database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
  } catch (error) {
    if (!isDatabaseInUse(error)) throw error;
    return throughServer(localAdminSocketPath(config.dataDir), request, error, ifNoServer);
  }
  const registry = createRegistry({
    db: database.db,
    modelsDir: config.modelsDir,
    logger,
    loadOptions: config.engine,
    secretKey: config.secretKey,
  });
  try {
    const deps = {
      auth: createAuthService(database.db),
      apiKeys: createApiKeys(database.db),
      registry,
      uploads: createUploadStaging({ dataDir: config.dataDir, maxUploadBytes: config.maxUploadBytes }),
      maxUploadBytes: config.maxUploadBytes,
    };
    for (const line of await runAdminRequest(deps, request)) console.log(line);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await registry.close();
    await database.close();
  }
}

async function throughServer(
  socketPath: string,
  request: AdminRequest,
  inUse: DatabaseInUseError,
  ifNoServer: string,
): Promise<number> {
  const unreachable = () => {
    console.error(`${inUse.message}\n${ifNoServer}`);
    return 1;
  };
  if (!existsSync(socketPath)) return unreachable();
  let answer: { status: number; body: { output?: string[]; error?: string } };
  try {
    answer = await post(socketPath, request);
  } catch {
    return unreachable(); // a socket left by a server that died, or one that is stopping
  }
  if (answer.status === 200) {
    for (const line of answer.body.output ?? []) console.log(line);
    return 0;
  }
  console.error(answer.body.error ?? `The server answered ${answer.status}.`);
  return 1;
}

/** No timeout: installing a large model through the server may take minutes. */
function post(socketPath: string, request: AdminRequest) {
  return new Promise<{ status: number; body: { output?: string[]; error?: string } }>((resolve, reject) => {
    const req = http.request(
      { socketPath, path: "/run", method: "POST", headers: { "Content-Type": "application/json" }, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { output?: string[]; error?: string } });
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(request));
  });
}
