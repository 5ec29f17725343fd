// GET /v1/models: the models a key's owner may use through the API, which are the ready models
// assigned to the apps the API runs as (Chat for chat completions, Code for completions); each
// says which of those apps it serves.
import type { Registry } from "../registry/registry";

/** The apps the API serves, and the endpoint each answers. */
export const API_APPS = { chat: "/v1/chat/completions", code: "/v1/completions" } as const;

export async function listApiModels(registry: Pick<Registry, "listModels">) {
  const rows = await registry.listModels();
  return rows
    .filter((row) => row.status === "ready" && row.kind === "causal-lm")
    .map((row) => ({ row, apps: row.assignments.filter((a) => a.app in API_APPS) }))
    .filter(({ apps }) => apps.length > 0)
    .map(({ row, apps }) => ({
      id: row.id,
      object: "model" as const,
      created: Math.floor(row.createdAt.getTime() / 1000),
      owned_by: "loom",
      // Loom's own fields: the name people see, and where the model can be used.
      name: row.displayName,
      apps: apps.map((a) => ({ app: a.app, endpoint: API_APPS[a.app as keyof typeof API_APPS], default: a.isDefault })),
    }));
}
