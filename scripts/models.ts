// npm run models -- list | add <dir|archive> [--id ID] [--name NAME] | assign <model> <app> [--default]
//                   | unassign <model> <app> | remove <model>
// The admin area's model management for headless servers, through the same registry service.
import { createReadStream } from "node:fs";
import { cp, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/client";
import { APPS, type AppName } from "../server/apps";
import { loadConfig } from "../server/config";
import { logger } from "../server/logger";
import { createRegistry } from "../server/registry/registry";
import { createUploadStaging } from "../server/uploads/staging";

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

const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
const registry = createRegistry({
  db: database.db,
  modelsDir: config.modelsDir,
  logger,
  loadOptions: config.engine,
});
try {
  switch (command) {
    case "list": {
      await registry.sync();
      for (const m of await registry.listModels()) {
        const apps = m.assignments.map((a) => `${a.app}${a.isDefault ? "*" : ""}`).join(",") || "-";
        console.log([m.id.padEnd(24), m.kind.padEnd(11), m.status.padEnd(10), apps, m.statusReason ?? ""].join(" "));
      }
      break;
    }
    case "add": {
      const source = args[0];
      if (!source) throw new Error(USAGE);
      const staging = createUploadStaging({ dataDir: config.dataDir, maxUploadBytes: config.maxUploadBytes });
      const upload = await staging.createUpload();
      try {
        if ((await stat(source)).isDirectory())
          await cp(source, upload.filesDir, { recursive: true, verbatimSymlinks: true });
        else await staging.receiveArchive(upload.id, createReadStream(source), { maxBytes: config.maxUploadBytes });
        const id =
          values.id ??
          path
            .basename(source)
            .replace(/\.(zip|tgz|tar\.gz|tar)$/i, "")
            .toLowerCase()
            .replace(/[^a-z0-9._-]+/g, "-");
        const { row } = await registry.installUploaded(upload.filesDir, {
          modelId: id,
          displayName: values.name,
          uploadedBy: null,
        });
        console.log(`Installed ${row.id} (${row.kind}, ${row.architecture}).`);
      } finally {
        await staging.discardUpload(upload.id).catch(() => false);
      }
      break;
    }
    case "assign":
      await registry.assign(appName(args[1]), args[0] ?? "", values.default ?? false);
      console.log(`Assigned ${args[0]} to ${args[1]}${values.default ? " (default)" : ""}.`);
      break;
    case "unassign":
      await registry.unassign(appName(args[1]), args[0] ?? "");
      console.log(`Unassigned ${args[0]} from ${args[1]}.`);
      break;
    case "remove":
      await registry.remove(args[0] ?? "");
      console.log(`Removed ${args[0]}.`);
      break;
    default:
      console.log(USAGE);
      process.exitCode = command ? 2 : 0;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await registry.close();
  await database.close();
}
