// What `npm run admin:create` and `npm run models` do, as requests with one implementation: run
// by the CLI itself when it can open the database, or by the running server that holds the
// embedded one (server/local-admin/channel.ts). Each returns the lines to print.
import { createReadStream } from "node:fs";
import { cp, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { APPS } from "../apps";
import type { ApiKeys } from "../auth/api-keys";
import type { AuthService } from "../auth/auth-service";
import type { Registry } from "../registry/registry";
import type { UploadStaging } from "../uploads/staging";

const app = z.enum(APPS, {
  error: (issue) => `Unknown application "${String(issue.input)}". One of: ${APPS.join(", ")}.`,
});

export const adminRequest = z.discriminatedUnion("command", [
  z.object({ command: z.literal("admin:create"), email: z.string(), password: z.string() }),
  z.object({ command: z.literal("models:list") }),
  z.object({
    command: z.literal("models:add"),
    /** An absolute path: the server resolves nothing against its own working directory. */
    source: z.string().refine((p) => path.isAbsolute(p), "The source must be an absolute path."),
    id: z.string().optional(),
    name: z.string().optional(),
  }),
  z.object({ command: z.literal("models:assign"), model: z.string(), app, isDefault: z.boolean() }),
  z.object({ command: z.literal("models:unassign"), model: z.string(), app }),
  z.object({ command: z.literal("models:remove"), model: z.string() }),
  z.object({
    command: z.literal("models:add-remote"),
    id: z.string().max(128),
    baseUrl: z.string().max(2048),
    model: z.string().max(256),
    /** Read by the CLI from the variable --api-key-env names: never on a command line. */
    apiKey: z.string().max(4096).optional(),
    name: z.string().max(200).optional(),
    timeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
    maxConcurrent: z.number().int().min(1).max(1024).optional(),
    contextTokens: z.number().int().min(256).max(10_000_000).optional(),
    languages: z.array(z.string().max(16)).max(64).optional(),
  }),
  z.object({ command: z.literal("api-key:create"), email: z.string().max(320), name: z.string().max(80) }),
]);
export type AdminRequest = z.infer<typeof adminRequest>;

export interface AdminDeps {
  auth: AuthService;
  apiKeys: ApiKeys;
  registry: Registry;
  uploads: UploadStaging;
  maxUploadBytes: number;
}

export async function runAdminRequest(deps: AdminDeps, request: AdminRequest): Promise<string[]> {
  const { auth, registry } = deps;
  switch (request.command) {
    case "admin:create": {
      const admin = await auth.ensureAdmin({ email: request.email, password: request.password });
      return [`Administrator ready: ${admin.email}`];
    }
    case "models:list": {
      await registry.sync();
      return (await registry.listModels()).map((m) => {
        const apps = m.assignments.map((a) => `${a.app}${a.isDefault ? "*" : ""}`).join(",") || "-";
        return [m.id.padEnd(24), m.kind.padEnd(11), m.status.padEnd(10), apps, m.statusReason ?? ""].join(" ");
      });
    }
    case "models:add":
      return [await addModel(deps, request)];
    case "models:assign":
      await registry.assign(request.app, request.model, request.isDefault);
      return [`Assigned ${request.model} to ${request.app}${request.isDefault ? " (default)" : ""}.`];
    case "models:unassign":
      await registry.unassign(request.app, request.model);
      return [`Unassigned ${request.model} from ${request.app}.`];
    case "models:remove":
      await registry.remove(request.model);
      return [`Removed ${request.model}.`];
    case "models:add-remote": {
      const { command: _command, name, ...input } = request;
      const { row, test } = await registry.addRemote({ ...input, displayName: name });
      const speed = test.tokensPerSecond === undefined ? "" : `, ${test.tokensPerSecond} tokens/s`;
      return [
        `Added ${row.id}: ${request.model} at ${row.remote!.baseUrl} (first token in ${test.latencyMs} ms${speed}).`,
        `Assign it to an app: npm run models -- assign ${row.id} chat`,
      ];
    }
    case "api-key:create": {
      const email = request.email.trim().toLowerCase();
      const user = (await auth.listUsers()).find((u) => u.email === email);
      if (!user) throw new Error(`There is no account with the email ${email}.`);
      if (user.disabled) throw new Error(`The account ${email} is disabled.`);
      // The key alone, so that scripts can capture it; shown this once.
      return [(await deps.apiKeys.create(user.id, request.name)).key];
    }
  }
}

/** A folder or an archive, through the same staging, checks and install as an upload. */
async function addModel(deps: AdminDeps, request: Extract<AdminRequest, { command: "models:add" }>) {
  const { source } = request;
  const upload = await deps.uploads.createUpload();
  try {
    if ((await stat(source)).isDirectory())
      await cp(source, upload.filesDir, { recursive: true, verbatimSymlinks: true });
    else await deps.uploads.receiveArchive(upload.id, createReadStream(source), { maxBytes: deps.maxUploadBytes });
    const id =
      request.id ??
      path
        .basename(source)
        .replace(/\.(zip|tgz|tar\.gz|tar)$/i, "")
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, "-");
    const { row } = await deps.registry.installUploaded(upload.filesDir, {
      modelId: id,
      displayName: request.name,
      uploadedBy: null,
    });
    return `Installed ${row.id} (${row.kind}, ${row.architecture}).`;
  } finally {
    await deps.uploads.discardUpload(upload.id).catch(() => false);
  }
}
