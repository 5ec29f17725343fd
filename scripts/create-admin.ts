// npm run admin:create -- --email you@example.com [--password …]
// Creates an administrator, or promotes an existing account and resets its password. Without
// --password it reads one from LOOM_ADMIN_PASSWORD or asks on the terminal (never echoed to logs).
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/client";
import { createAuthService } from "../server/auth/auth-service";
import { loadConfig } from "../server/config";

const { values } = parseArgs({ options: { email: { type: "string" }, password: { type: "string" } } });
const email = values.email ?? process.env.LOOM_ADMIN_EMAIL;
if (!email) {
  console.error("Usage: npm run admin:create -- --email you@example.com [--password …]");
  process.exit(2);
}
let password = values.password ?? process.env.LOOM_ADMIN_PASSWORD;
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = await rl.question("Password (at least 10 characters): ");
  rl.close();
}

const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
try {
  const admin = await createAuthService(database.db).ensureAdmin({ email, password });
  console.log(`Administrator ready: ${admin.email}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await database.close();
}
