// Configuration from the environment, validated once at start. README.md documents each variable.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  // An empty value means unset (so a child process can be told to use the embedded database).
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
  LOOM_DATA_DIR: z.string().default("data"),
  LOOM_MODELS_DIR: z.string().default("models"),
  LOOM_DEVICE: z.enum(["auto", "cpu", "cuda"]).default("auto"),
  LOOM_ADMIN_EMAIL: z.string().optional(),
  LOOM_ADMIN_PASSWORD: z.string().optional(),
  SESSION_SECRET: z.string().min(32, "SESSION_SECRET must have at least 32 characters.").optional(),
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
  /** Pause before each streamed text delta (demos, e2e tests); 0 = off. */
  LOOM_STREAM_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(0),
  /** How long in-flight requests may run on after SIGTERM before the server closes anyway. */
  LOOM_SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** Comma-separated list of proxy addresses to trust for X-Forwarded-For (Express "trust proxy"). */
  LOOM_TRUST_PROXY: z.string().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LOOM_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: path.join(dataDir, "pglite"),
    modelsDir: path.resolve(e.LOOM_MODELS_DIR),
    device: e.LOOM_DEVICE,
    admin:
      e.LOOM_ADMIN_EMAIL && e.LOOM_ADMIN_PASSWORD
        ? { email: e.LOOM_ADMIN_EMAIL, password: e.LOOM_ADMIN_PASSWORD }
        : undefined,
    sessionSecret: e.SESSION_SECRET ?? persistedSecret(path.join(dataDir, "session-secret")),
    secureCookies: e.LOOM_SECURE_COOKIES === "true",
    maxBodyBytes: e.LOOM_MAX_BODY_BYTES,
    maxUploadBytes: e.LOOM_MAX_UPLOAD_BYTES,
    requestsPerMinute: e.LOOM_REQUESTS_PER_MINUTE,
    streamDelayMs: e.LOOM_STREAM_DELAY_MS,
    shutdownGraceMs: e.LOOM_SHUTDOWN_GRACE_MS,
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
