// Everything a request needs, built once by the server entry and handed to Remix through the load
// context. Routes never open their own database: one process, one pool, one PGlite.
import { createCookie, type Cookie } from "@remix-run/node";
import { openDatabase, type Database } from "../db/client";
import { createApiKeys, type ApiKeys } from "./auth/api-keys";
import { createAuthService, type AuthService } from "./auth/auth-service";
import { createChatStore, type ChatStore } from "./chat/chat-store";
import { createChatDefaults, type ChatDefaults } from "./chat/chat-defaults";
import { createShareLinks, type ShareLinks } from "./chat/share-links";
import { stopUserTurns } from "./chat/chat-turn";
import { createGenerationLog, type GenerationLog } from "./chat/generation-log";
import { createGenerationRunner, type GenerationRunner } from "./chat/generation-runner";
import type { Config } from "./config";
import { createFeedbackStore, type FeedbackStore } from "./feedback/rated-answers";
import { createTrainingConsent, type TrainingConsent } from "./feedback/training-consent";
import { logger } from "./logger";
import { watchModelChanges } from "./registry/model-changes";
import { createRegistry, type Registry } from "./registry/registry";
import { createInstanceSettings, type InstanceSettings } from "./settings/instance-settings";
import { SHUTDOWN_REASON } from "./shutdown-notice";
import { createUploadStaging, type UploadStaging } from "./uploads/staging";
import { createMetrics, type Metrics } from "./usage/metrics";
import { createPersonalUsage, type PersonalUsage } from "./usage/personal-usage";
import { createQuotas, type Quotas } from "./usage/quotas";
import { createRateLimiter } from "./usage/rate-limiter";
import { createRunRecorder, type RunRecorder } from "./usage/runs";

/** How long shutdown waits for the outcomes of runs still ending, after their streams are cut. */
const RUN_OUTCOME_WAIT_MS = 5_000;
/** Share-link page views per client address per minute: plenty to read, far too few to guess. */
const SHARE_LOOKUPS_PER_MINUTE = 60;

export interface AppServices {
  config: Pick<Config, "dataDir" | "modelsDir" | "maxBodyBytes" | "maxUploadBytes">;
  database: Database;
  auth: AuthService;
  /** Personal keys for the OpenAI-compatible API (/v1). */
  apiKeys: ApiKeys;
  registry: Registry;
  chats: ChatStore;
  /** Rated answers for Admin › Feedback and its exports. */
  feedback: FeedbackStore;
  /** Settings › Privacy: who opted out of training data. */
  trainingConsent: TrainingConsent;
  /** Each user's defaults for new chats (Settings › Chat). */
  chatDefaults: ChatDefaults;
  /** Read-only links to chat snapshots (decision 029). */
  shareLinks: ShareLinks;
  /** Bursts of share-link lookups per client address: tokens are not to be guessed at speed. */
  shareLookupLimiter: ReturnType<typeof createRateLimiter>;
  /** Settings admins change at run time (Admin page). */
  settings: InstanceSettings;
  generationLog: GenerationLog;
  generations: GenerationRunner;
  runs: RunRecorder;
  quotas: Quotas;
  metrics: Metrics;
  /** A user's own requests and tokens per day and application (/usage). */
  personalUsage: PersonalUsage;
  /** Bursts per user on the generation APIs. */
  rateLimiter: ReturnType<typeof createRateLimiter>;
  /** Model uploads being assembled under the data dir, before validation and install. */
  uploads: UploadStaging;
  sessionCookie: Cookie;
  /** Aborted (SHUTDOWN_REASON) when a shutdown cuts the streams still running: one-shot streams listen. */
  shutdownSignal: AbortSignal;
  /** Ends every stream still running with the shutdown notice; resolves once chat answers are saved. */
  cutStreams(): Promise<void>;
  /** Cuts what still runs, then closes the models and the database. */
  close(): Promise<void>;
}

export async function createServices(config: Config): Promise<AppServices> {
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
  logger.info("database ready", { driver: database.driver });
  if (database.driver === "postgres" && !config.sharedSessionSecret)
    logger.warn("SESSION_SECRET is not set: this server's sessions are not valid on other servers of this database");
  const { db } = database;

  const chats = createChatStore(db);
  const chatDefaults = createChatDefaults(db);
  const generationLog = createGenerationLog(db, { logger });
  const runs = createRunRecorder(db);
  const generations = createGenerationRunner({ log: generationLog, store: chats, runs, logger });

  const auth = createAuthService(db, {
    // A disabled account's answers stop with its sessions.
    onDisabled: async (userId) => {
      const { stopped, requested } = await stopUserTurns({ generations, generationLog }, userId);
      if (stopped + requested > 0) logger.info("generations of a disabled user stopped", { stopped, requested });
    },
  });
  if (config.admin) {
    const admin = await auth.ensureAdmin(config.admin);
    logger.info("admin account ensured", { email: admin.email });
  }
  await auth.purgeExpired();

  const registry = createRegistry({
    db,
    modelsDir: config.modelsDir,
    logger,
    loadOptions: config.engine,
    streamDelayMs: config.streamDelayMs,
    secretKey: config.secretKey,
  });
  await registry.sync();
  // Another server on this database may replace or remove a model this one holds in memory.
  const modelChanges = await watchModelChanges({
    database,
    sweep: registry.dropStale,
    intervalMs: config.modelSyncMs,
    logger,
  });
  registry.watchRemotes();

  // Generations left "running" by a process that died are interrupted, their text rebuilt from
  // their logs (idempotent: generation-recovery.ts); keep sweeping, since another instance sharing
  // the database may die too, or this one may have lost the database for too long.
  // (Not "all running ones": other instances may share this database and be writing right now.)
  const interrupted = await generationLog.markInterrupted();
  if (interrupted.length) logger.warn("generations interrupted by a restart", { count: interrupted.length });
  const uploads = createUploadStaging({ dataDir: config.dataDir, maxUploadBytes: config.maxUploadBytes });
  const sweeper = setInterval(() => {
    void generationLog.markInterrupted(undefined, generations.liveIds()).catch(() => {});
    void auth.purgeExpired().catch(() => {});
    void uploads.purgeStaleUploads(24 * 3600_000).catch(() => {});
    void chats.purgeTemporaryChats().catch(() => {});
  }, 30_000);
  sweeper.unref();

  const shutdown = new AbortController();
  async function cutStreams() {
    shutdown.abort(SHUTDOWN_REASON);
    await generations.shutdown(0);
  }

  return {
    config: {
      dataDir: config.dataDir,
      modelsDir: config.modelsDir,
      maxBodyBytes: config.maxBodyBytes,
      maxUploadBytes: config.maxUploadBytes,
    },
    database,
    auth,
    apiKeys: createApiKeys(db),
    registry,
    chats,
    feedback: createFeedbackStore(db),
    trainingConsent: createTrainingConsent(db),
    chatDefaults,
    shareLinks: createShareLinks(db, chats),
    shareLookupLimiter: createRateLimiter({ limit: SHARE_LOOKUPS_PER_MINUTE, windowMs: 60_000 }),
    settings: createInstanceSettings(db, config.instanceDefaults),
    generationLog,
    generations,
    runs,
    quotas: createQuotas(db),
    metrics: createMetrics(db),
    personalUsage: createPersonalUsage(db),
    uploads: uploads,
    rateLimiter: createRateLimiter({ limit: config.requestsPerMinute, windowMs: 60_000 }),
    sessionCookie: createCookie("loom_session", {
      httpOnly: true,
      // Lax: sent on top-level navigation (links from elsewhere keep you signed in) but not on
      // cross-site POSTs; the server's origin check covers the rest of CSRF.
      sameSite: "lax",
      secure: config.secureCookies,
      path: "/",
      secrets: [config.sessionSecret],
      maxAge: 30 * 24 * 3600,
    }),
    shutdownSignal: shutdown.signal,
    cutStreams,
    async close() {
      clearInterval(sweeper);
      await modelChanges.close();
      await cutStreams();
      // One-shot runs outlive their requests by a decode step or so (a client that left, a cut
      // stream): their outcomes are written before the models and the database close.
      const unrecorded = await runs.settle(RUN_OUTCOME_WAIT_MS);
      if (unrecorded) logger.warn("runs left unrecorded at shutdown", { count: unrecorded });
      await registry.close();
      await database.close();
    },
  };
}
