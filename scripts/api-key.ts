// npm run api-key -- create --email you@example.com [--name "My script"]
// Creates a personal key for Loom's OpenAI-compatible API (/v1) and prints it on stdout, alone,
// so that a script can capture it: KEY=$(npm run -s api-key -- create --email …). The key is
// shown this once; Settings › API keys lists and revokes keys. While the server runs on the
// embedded database, the request goes through that server.
import { parseArgs } from "node:util";
import { runAdminCommand } from "../server/local-admin/cli";

const USAGE = 'Usage: npm run api-key -- create --email you@example.com [--name "Key name"]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { email: { type: "string" }, name: { type: "string" } },
});
if (positionals[0] !== "create" || !values.email) {
  console.error(USAGE);
  process.exit(2);
}
process.exitCode = await runAdminCommand(
  { command: "api-key:create", email: values.email, name: values.name ?? "CLI" },
  "Stop it first, then run this command again.",
);
