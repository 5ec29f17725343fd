// npm run models -- list | add <dir|archive> [--id ID] [--name NAME] | assign <model> <app> [--default]
//                   | add-remote <id> --base-url URL --model NAME [--api-key-env VAR] [--name NAME]
//                     [--timeout-ms N] [--max-concurrent N] [--context-tokens N] [--languages en,zh]
//                   | unassign <model> <app> | remove <model>
// The admin area's model management for headless servers, through the same registry service.
// While the server runs on the embedded database, the request goes through that server.
import path from "node:path";
import { parseArgs } from "node:util";
import { APPS, type AppName } from "../server/apps";
import { runAdminCommand } from "../server/local-admin/cli";
import type { AdminRequest } from "../server/local-admin/commands";
import { splitLanguages } from "../server/registry/remote/languages";

const USAGE = `Usage:
  npm run models -- list
  npm run models -- add <folder|archive.zip|archive.tar.gz> [--id ID] [--name "Display name"]
  npm run models -- add-remote <id> --base-url http://host:8000/v1 --model <remote model name>
                     [--api-key-env VAR] [--name "Display name"] [--timeout-ms 120000]
                     [--max-concurrent 8] [--context-tokens 8192]
  npm run models -- assign <model> <${APPS.join("|")}> [--default]
  npm run models -- unassign <model> <app>
  npm run models -- remove <model>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    id: { type: "string" },
    name: { type: "string" },
    default: { type: "boolean" },
    "base-url": { type: "string" },
    model: { type: "string" },
    "api-key-env": { type: "string" },
    "timeout-ms": { type: "string" },
    "max-concurrent": { type: "string" },
    "context-tokens": { type: "string" },
    languages: { type: "string" },
  },
});
const [command, ...args] = positionals;

function appName(value: string | undefined): AppName {
  if (!value || !(APPS as readonly string[]).includes(value))
    throw new Error(`Unknown application "${value}". One of: ${APPS.join(", ")}.`);
  return value as AppName;
}

/** A whole-number option, or undefined when it is not given. */
function count(option: string): number | undefined {
  const value = (values as Record<string, string | boolean | undefined>)[option];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw new Error(`--${option} takes a whole number.`);
  return Number(value);
}

function addRemoteRequest(): AdminRequest {
  const id = args[0];
  const baseUrl = values["base-url"];
  const model = values.model;
  if (!id || !baseUrl || !model) throw new Error(USAGE);
  const keyVar = values["api-key-env"];
  const apiKey = keyVar ? process.env[keyVar] : undefined;
  if (keyVar && !apiKey) throw new Error(`The variable ${keyVar} (--api-key-env) is not set.`);
  return {
    command: "models:add-remote",
    id,
    baseUrl,
    model,
    apiKey,
    name: values.name,
    timeoutMs: count("timeout-ms"),
    maxConcurrent: count("max-concurrent"),
    contextTokens: count("context-tokens"),
    languages: values.languages === undefined ? undefined : splitLanguages(values.languages),
  };
}

function requestFor(command: string): AdminRequest | undefined {
  switch (command) {
    case "list":
      return { command: "models:list" };
    case "add":
      if (!args[0]) throw new Error(USAGE);
      return { command: "models:add", source: path.resolve(args[0]), id: values.id, name: values.name };
    case "add-remote":
      return addRemoteRequest();
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
