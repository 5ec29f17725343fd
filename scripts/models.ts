// npm run models -- list | add <dir|archive> [--id ID] [--name NAME] | assign <model> <app> [--default]
//                   | unassign <model> <app> | remove <model>
// The admin area's model management for headless servers, through the same registry service.
// While the server runs on the embedded database, the request goes through that server.
import path from "node:path";
import { parseArgs } from "node:util";
import { APPS, type AppName } from "../server/apps";
import { runAdminCommand } from "../server/local-admin/cli";
import type { AdminRequest } from "../server/local-admin/commands";

const USAGE = `Usage:
  npm run models -- list
  npm run models -- add <folder|archive.zip|archive.tar.gz> [--id ID] [--name "Display name"]
  npm run models -- assign <model> <${APPS.join("|")}> [--default]
  npm run models -- unassign <model> <app>
  npm run models -- remove <model>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { id: { type: "string" }, name: { type: "string" }, default: { type: "boolean" } },
});
const [command, ...args] = positionals;

function appName(value: string | undefined): AppName {
  if (!value || !(APPS as readonly string[]).includes(value))
    throw new Error(`Unknown application "${value}". One of: ${APPS.join(", ")}.`);
  return value as AppName;
}

function requestFor(command: string): AdminRequest | undefined {
  switch (command) {
    case "list":
      return { command: "models:list" };
    case "add":
      if (!args[0]) throw new Error(USAGE);
      return { command: "models:add", source: path.resolve(args[0]), id: values.id, name: values.name };
    case "assign":
      return {
        command: "models:assign",
        model: args[0] ?? "",
        app: appName(args[1]),
        isDefault: values.default ?? false,
      };
    case "unassign":
      return { command: "models:unassign", model: args[0] ?? "", app: appName(args[1]) };
    case "remove":
      return { command: "models:remove", model: args[0] ?? "" };
  }
}

let request: AdminRequest | undefined;
try {
  request = command ? requestFor(command) : undefined;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
if (!request) {
  console.log(USAGE);
  process.exit(command ? 2 : 0);
}
process.exitCode = await runAdminCommand(request, "Stop it first, then run this command again.");
