// The registry's remote models: rows with source "remote" and an endpoint instead of a folder.
// Adding one proves it answers (a short generation, timed) before the row is written; the API
// key is sealed at rest and opened only to build the client. One client per model, so that its
// concurrency cap holds across requests; made again when the row's revision changes (another server
// removed and added it again).
import { streamText } from "ai";
import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { models, type ModelRow, type RemoteEndpoint } from "../../../db/schema";
import { isModelId } from "../../common/model-id";
import { HttpError } from "../../http-error";
import type { Logger } from "../../logger";
import { REMOTE_DEFAULTS } from "./defaults";
import { checkLanguages } from "./languages";
import { createRemoteHealth, type HealthTarget } from "./remote-health";
import { createRemoteModel, type RemoteModel } from "./remote-model";
import { createSecretBox } from "./secret-box";

export interface AddRemoteInput {
  id: string;
  displayName?: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  maxConcurrent?: number;
  contextTokens?: number;
  /** ISO 639 codes it translates between (Translate offers every pair of them). */
  languages?: string[];
  uploadedBy?: string | null;
}

export { REMOTE_DEFAULTS };

/** What a test generation measured. */
export interface RemoteTest {
  latencyMs: number;
  tokens: number;
  tokensPerSecond?: number;
  text: string;
}

export function createRemoteModels(options: { db: Db; secretKey?: string; logger: Logger }) {
  const { db, logger } = options;
  const box = options.secretKey ? createSecretBox(options.secretKey) : undefined;
  const clients = new Map<string, { revision: string; client: RemoteModel }>();

  function endpointOf(input: AddRemoteInput): { endpoint: RemoteEndpoint; apiKey?: string } {
    let url: URL;
    try {
      url = new URL(input.baseUrl);
    } catch {
      throw new HttpError(400, "BAD_REMOTE", `"${input.baseUrl}" is not a URL.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new HttpError(400, "BAD_REMOTE", "The base URL must be http:// or https://.");
    if (!input.model || input.model.length > 256)
      throw new HttpError(400, "BAD_REMOTE", "Name the remote model (at most 256 characters).");
    const endpoint: RemoteEndpoint = {
      baseUrl: url.href.replace(/\/+$/, ""),
      model: input.model,
      timeoutMs: input.timeoutMs ?? REMOTE_DEFAULTS.timeoutMs,
      maxConcurrent: input.maxConcurrent ?? REMOTE_DEFAULTS.maxConcurrent,
      contextTokens: input.contextTokens ?? REMOTE_DEFAULTS.contextTokens,
    };
    const languages = checkLanguages(input.languages);
    if (languages) endpoint.languages = languages;
    return { endpoint, apiKey: input.apiKey || undefined };
  }

  /** A short generation through the remote: proves it answers, measures it. */
  async function test(id: string, endpoint: RemoteEndpoint, apiKey?: string): Promise<RemoteTest> {
    const { model } = createRemoteModel(id, endpoint, apiKey);
    const started = performance.now();
    let firstAt: number | undefined;
    let text = "";
    const result = streamText({
      model,
      prompt: "Say hello.",
      maxOutputTokens: 16,
      temperature: 0,
      maxRetries: 0,
      onError: () => {},
    });
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") {
        firstAt ??= performance.now();
        text += part.text;
      } else if (part.type === "error") throw part.error;
    }
    const usage = await result.totalUsage;
    const end = performance.now();
    const tokens = usage.outputTokens ?? 0;
    const decodeMs = firstAt === undefined ? 0 : end - firstAt;
    return {
      latencyMs: Math.round((firstAt ?? end) - started),
      tokens,
      ...(tokens > 1 && decodeMs > 0 && { tokensPerSecond: Math.round(((tokens - 1) / decodeMs) * 10000) / 10 }),
      text,
    };
  }

  /** Tests the remote, then records it as a ready causal LM. */
  async function add(input: AddRemoteInput): Promise<{ row: ModelRow; test: RemoteTest }> {
    if (!isModelId(input.id))
      throw new HttpError(400, "BAD_MODEL_ID", `"${input.id}" is not a valid model id (a-z, 0-9, . _ -).`);
    const [existing] = await db.select({ id: models.id }).from(models).where(eq(models.id, input.id));
    if (existing) throw new HttpError(409, "MODEL_EXISTS", `There is already a model "${input.id}".`);
    const { endpoint, apiKey } = endpointOf(input);
    if (apiKey) {
      if (!box) throw new Error("no secret key to seal the remote's API key with");
      endpoint.sealedApiKey = box.seal(apiKey, input.id);
    }
    const measured = await test(input.id, endpoint, apiKey);
    const [row] = await db
      .insert(models)
      .values({
        id: input.id,
        displayName: input.displayName || `${endpoint.model} (remote)`,
        kind: "causal-lm",
        architecture: "remote",
        source: "remote",
        remote: endpoint,
        status: "ready",
        decodeTokensPerSecond: measured.tokensPerSecond ?? null,
        uploadedBy: input.uploadedBy ?? null,
      })
      .returning();
    void health.check(); // the admin page shows it at once
    logger.info("remote model added", { modelId: input.id, baseUrl: endpoint.baseUrl, model: endpoint.model });
    return { row: row!, test: measured };
  }

  /** A remote row's API key, opened (undefined when it needs none). */
  function keyOf(row: ModelRow): string | undefined {
    const sealed = row.remote?.sealedApiKey;
    if (!sealed) return undefined;
    if (!box) throw new HttpError(503, "NO_SECRET_KEY", "No secret key to open the remote's API key with.");
    try {
      return box.open(sealed, row.id);
    } catch {
      throw new HttpError(
        503,
        "SECRET_KEY_CHANGED",
        `${row.id}: its API key cannot be opened (LOOM_SECRET_KEY changed?). Add the remote again.`,
      );
    }
  }

  /** The client of a remote row, made once per revision. */
  function clientFor(row: ModelRow): RemoteModel {
    let client = clients.get(row.id)?.revision === row.revision ? clients.get(row.id)!.client : undefined;
    if (!client) {
      const endpoint = row.remote;
      if (!endpoint) throw new HttpError(500, "BAD_REMOTE", `Model "${row.id}" has no endpoint.`);
      client = createRemoteModel(row.id, endpoint, keyOf(row));
      clients.set(row.id, { revision: row.revision, client });
    }
    return client;
  }

  /** What the health check asks: every remote row's endpoint and key. */
  async function healthTargets(): Promise<HealthTarget[]> {
    const rows = await db.select().from(models).where(eq(models.source, "remote"));
    return rows.flatMap((row) => {
      if (!row.remote) return [];
      try {
        return [{ id: row.id, baseUrl: row.remote.baseUrl, model: row.remote.model, apiKey: keyOf(row) }];
      } catch {
        return [{ id: row.id, baseUrl: row.remote.baseUrl, model: row.remote.model }]; // the check says 401
      }
    });
  }
  const health = createRemoteHealth({ targets: healthTargets, logger });

  return {
    add,
    test: (input: AddRemoteInput) => {
      const { endpoint, apiKey } = endpointOf(input);
      return test(input.id, endpoint, apiKey);
    },
    clientFor,
    health,
    forget: (id: string) => clients.delete(id),
    ids: () => [...clients.keys()],
    /** Forgets the clients whose row is gone or has another revision now (requests running keep theirs). */
    dropStale(current: ReadonlyMap<string, string>) {
      for (const [id, held] of clients) if (current.get(id) !== held.revision) clients.delete(id);
    },
    activeRequests: () => [...clients.values()].reduce((n, c) => n + c.client.active(), 0),
  };
}

export type RemoteModels = ReturnType<typeof createRemoteModels>;
