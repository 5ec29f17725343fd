// Configuration from the environment, validated once at start. README.md documents each variable.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { DeviceSetting, EngineOptions, GraphOptimizationLevel } from "./inference";

/** process.env or a stand-in (tests). */
type EnvVars = Readonly<Record<string, string | undefined>>;

/** A non-negative integer; unset or empty: undefined, so that the engine's default applies. */
function envInt(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === "") return undefined;
      const n = Number(raw);
      if (Number.isInteger(n) && n >= 0) return n;
      ctx.addIssue({ code: "custom", message: `${name} must be a non-negative integer, got "${raw}"` });
      return z.NEVER;
    });
}

/** One of `choices`, in any case; unset: undefined (the engine's default). */
function envChoice<const C extends string>(name: string, choices: readonly C[]) {
  const listed = `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const value = raw.toLowerCase();
      if ((choices as readonly string[]).includes(value)) return value as C;
      ctx.addIssue({ code: "custom", message: `${name} must be ${listed}, got "${raw}"` });
      return z.NEVER;
    });
}

const atLeastOne = (n: number | undefined) => (n === undefined ? undefined : Math.max(1, n));

/** The inference engine's variables. Unset ones take the engine's defaults (ENGINE_DEFAULTS). */
const engineEnvShape = {
  LOOM_DEVICE: envChoice<DeviceSetting>("LOOM_DEVICE", ["cpu", "cuda", "webgpu", "auto"]),
  /** Unset: every core but one (load-options.ts); 0: onnxruntime's own thread count. */
  LOOM_INTRA_OP_THREADS: envInt("LOOM_INTRA_OP_THREADS"),
  LOOM_INTER_OP_THREADS: envInt("LOOM_INTER_OP_THREADS").transform((n) => n || undefined),
  LOOM_GRAPH_OPTIMIZATION: envChoice<GraphOptimizationLevel>("LOOM_GRAPH_OPTIMIZATION", [
    "disabled",
    "basic",
    "extended",
    "all",
  ]),
  /** Any value but "0" keeps the KV cache on the device (with CUDA or WebGPU). */
  LOOM_KV_ON_DEVICE: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v !== "0")),
  LOOM_MAX_CONCURRENT: envInt("LOOM_MAX_CONCURRENT").transform(atLeastOne),
  LOOM_MAX_WAITING: envInt("LOOM_MAX_WAITING"),
  /** 0: no time limit. */
  LOOM_REQUEST_TIMEOUT_MS: envInt("LOOM_REQUEST_TIMEOUT_MS"),
  LOOM_PREFILL_TOKENS_PER_STEP: envInt("LOOM_PREFILL_TOKENS_PER_STEP").transform(atLeastOne),
  LOOM_PREFILL_CHUNK: envInt("LOOM_PREFILL_CHUNK").transform(atLeastOne),
  LOOM_MAX_NEW_TOKENS: envInt("LOOM_MAX_NEW_TOKENS"),
};
const engineEnvSchema = z.object(engineEnvShape);

const envSchema = z.object({
  ...engineEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  // An empty value means unset (so a child process can be told to use the embedded database).
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
  LOOM_DATA_DIR: z.string().default("data"),
  LOOM_MODELS_DIR: z.string().default("models"),
  LOOM_ADMIN_EMAIL: z.string().optional(),
  LOOM_ADMIN_PASSWORD: z.string().optional(),
  SESSION_SECRET: z.string().min(32, "SESSION_SECRET must have at least 32 characters.").optional(),
  LOOM_SECRET_KEY: z.string().min(32, "LOOM_SECRET_KEY must have at least 32 characters.").optional(),
  /** Set to "true" behind HTTPS so cookies get the Secure flag. */
  LOOM_SECURE_COOKIES: z.enum(["true", "false"]).default("false"),
  /** Largest JSON or form body accepted by any route (uploads have their own limit). */
  LOOM_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Largest model upload (one file or archive). */
  LOOM_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 ** 3),
  /** Generation requests per user per minute (bursts; daily quotas are set by admins). */
  LOOM_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** Whether share links need a signed-in account, until an admin changes it on the Admin page. */
  LOOM_SHARE_LINKS_REQUIRE_SIGN_IN: z.enum(["true", "false"]).default("true"),
  /**
   * /v1 streams write the text a stream has at most this often (the first delta at once): one SSE
   * chunk, socket write and client-side parse per interval rather than per token; 0 = per token.
   */
  LOOM_API_STREAM_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(40),
  /** Pause before each streamed text delta (demos, e2e tests); 0 = off. */
  LOOM_STREAM_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(0),
  /**
   * How often a server checks that the models it holds in memory still match their rows (another
   * server on the same database may have replaced or removed them); notices usually come first.
   */
  LOOM_MODEL_SYNC_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  /**
   * How long an idle keep-alive connection stays open (Node's default is 5 s). Longer than a load
   * balancer's own idle timeout (60 s for nginx's upstream keepalive and AWS's ALB), or the
   * balancer may send a request on a connection the server is closing, and its client gets a 502.
   * A remote client (undici) keeps a connection as long as the server says (Keep-Alive: timeout).
   */
  LOOM_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(65_000),
  /** How long in-flight requests may run on after SIGTERM before the server closes anyway. */
  LOOM_SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** Comma-separated list of proxy addresses to trust for X-Forwarded-For (Express "trust proxy"). */
  LOOM_TRUST_PROXY: z.string().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type Config = ReturnType<typeof loadConfig>;

/** The parsed variables, or an error listing every invalid one. */
function parseEnv<S extends z.ZodType>(schema: S, env: EnvVars): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}

function engineOptionsOf(e: z.output<typeof engineEnvSchema>): EngineOptions {
  return {
    session: {
      device: e.LOOM_DEVICE,
      intraOpNumThreads: e.LOOM_INTRA_OP_THREADS,
      interOpNumThreads: e.LOOM_INTER_OP_THREADS,
      graphOptimizationLevel: e.LOOM_GRAPH_OPTIMIZATION,
      kvOnDevice: e.LOOM_KV_ON_DEVICE,
    },
    scheduler: {
      maxConcurrent: e.LOOM_MAX_CONCURRENT,
      maxWaiting: e.LOOM_MAX_WAITING,
      requestTimeoutMs: e.LOOM_REQUEST_TIMEOUT_MS,
      prefillTokensPerStep: e.LOOM_PREFILL_TOKENS_PER_STEP,
    },
    prefillChunk: e.LOOM_PREFILL_CHUNK,
    defaultMaxNewTokens: e.LOOM_MAX_NEW_TOKENS,
  };
}

/**
 * The engine's options from LOOM_* variables alone, for the scripts and the benchmark that load
 * models without the server (loadConfig also makes the data folder and the session secret).
 */
export function engineOptionsFromEnv(env: EnvVars = process.env): EngineOptions {
  return engineOptionsOf(parseEnv(engineEnvSchema, env));
}

export function loadConfig(env: EnvVars = process.env) {
  const e = parseEnv(envSchema, env);
  const dataDir = path.resolve(e.LOOM_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: path.join(dataDir, "pglite"),
    modelsDir: path.resolve(e.LOOM_MODELS_DIR),
    /** Device, threads, batching and limits for every model the registry loads. */
    engine: engineOptionsOf(e),
    admin:
      e.LOOM_ADMIN_EMAIL && e.LOOM_ADMIN_PASSWORD
        ? { email: e.LOOM_ADMIN_EMAIL, password: e.LOOM_ADMIN_PASSWORD }
        : undefined,
    sessionSecret: e.SESSION_SECRET ?? persistedSecret(path.join(dataDir, "session-secret")),
    /** Seals remote engines' API keys at rest (AES-GCM); generated and kept like the session secret. */
    secretKey: e.LOOM_SECRET_KEY ?? persistedSecret(path.join(dataDir, "secret-key")),
    secureCookies: e.LOOM_SECURE_COOKIES === "true",
    maxBodyBytes: e.LOOM_MAX_BODY_BYTES,
    maxUploadBytes: e.LOOM_MAX_UPLOAD_BYTES,
    requestsPerMinute: e.LOOM_REQUESTS_PER_MINUTE,
    /** Defaults of the settings admins change at run time (server/settings/instance-settings.ts). */
    instanceDefaults: { shareLinksRequireSignIn: e.LOOM_SHARE_LINKS_REQUIRE_SIGN_IN === "true" },
    streamDelayMs: e.LOOM_STREAM_DELAY_MS,
    apiStreamIntervalMs: e.LOOM_API_STREAM_INTERVAL_MS,
    modelSyncMs: e.LOOM_MODEL_SYNC_MS,
    /** Whether SESSION_SECRET was given: servers sharing a database must sign cookies alike. */
    sharedSessionSecret: e.SESSION_SECRET !== undefined,
    shutdownGraceMs: e.LOOM_SHUTDOWN_GRACE_MS,
    keepAliveTimeoutMs: e.LOOM_KEEP_ALIVE_TIMEOUT_MS,
    trustProxy: e.LOOM_TRUST_PROXY,
    production: e.NODE_ENV === "production",
  };
}

/** A secret made on first start and kept (mode 0600) so sessions survive restarts. */
function persistedSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}
