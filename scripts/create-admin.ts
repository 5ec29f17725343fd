// npm run admin:create -- --email you@example.com [--password …]
// Creates an administrator, or promotes an existing account and resets its password. Without
// --password it reads one from LOOM_ADMIN_PASSWORD or asks on the terminal (never echoed to logs).
// While the server runs on the embedded database, the request goes through that server.
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { runAdminCommand } from "../server/local-admin/cli";

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

process.exitCode = await runAdminCommand(
  { command: "admin:create", email, password },
  "Stop it first, or set LOOM_ADMIN_EMAIL and LOOM_ADMIN_PASSWORD and restart it: it ensures that administrator as it starts.",
);
