// The whole relational model of Loom. Kept to what PostgreSQL 15 supports: PGlite is PostgreSQL 18,
// CI's server is 15, and both run the same migrations.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { APPS } from "../server/apps";
import type { ChatSettings } from "../server/apps/chat-settings";

export const ROLES = ["admin", "user"] as const;
export type Role = (typeof ROLES)[number];

export const MODEL_KINDS = ["causal-lm", "seq2seq", "classifier", "extractive-summarizer"] as const;
/** Where a model runs: a folder in the model store, or an OpenAI-compatible engine elsewhere. */
export const MODEL_SOURCES = ["local", "remote"] as const;

/** A remote engine's endpoint (models.remote). The key is sealed (server/registry/secret-box.ts). */
export interface RemoteEndpoint {
  baseUrl: string;
  /** The model's name on the remote (its /v1/models id). */
  model: string;
  /** AES-256-GCM sealed API key; absent when the remote needs none. */
  sealedApiKey?: string;
  /** Limit of one request, first byte to last token. */
  timeoutMs: number;
  /** Requests sent to the remote at once; more are refused as busy. */
  maxConcurrent: number;
  /** The context length Loom assumes for it (a remote does not say). */
  contextTokens: number;
  /** ISO 639-1 codes it translates between (any pair); absent: Translate offers none. */
  languages?: string[];
}

export const MODEL_STATUSES = ["uploading", "validating", "ready", "failed"] as const;
export const RUN_STATUSES = ["running", "completed", "stopped", "failed", "interrupted"] as const;
/** How a run was asked for: the web apps, or the OpenAI-compatible API under /v1 with a key. */
export const RUN_CHANNELS = ["web", "api"] as const;

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Stored lower-cased: one account per address whatever the user types.
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ROLES }).notNull().default("user"),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /** Settings › Privacy: never export this user's chats as training data (server/feedback). */
    trainingOptOut: boolean("training_opt_out").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), check("users_role_check", sql`${t.role} in ('admin', 'user')`)],
);

export const sessions = pgTable(
  "sessions",
  {
    // sha256 of the random token in the cookie: a leaked table does not leak live sessions.
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** Failed sign-ins, for throttling; shared by every web instance through the database. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    key: text("key").notNull(),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("login_attempts_key_idx").on(t.key, t.attemptedAt)],
);

export const models = pgTable(
  "models",
  {
    // The folder name in the model store: a slug, never a path.
    id: text("id").primaryKey(),
    displayName: text("display_name").notNull(),
    kind: text("kind", { enum: MODEL_KINDS }).notNull(),
    architecture: text("architecture"),
    parameterCount: bigint("parameter_count", { mode: "number" }),
    /** [{ path, bytes, sha256 }] for every file of the folder. */
    files: jsonb("files").$type<{ path: string; bytes: number; sha256: string }[]>().notNull().default([]),
    status: text("status", { enum: MODEL_STATUSES }).notNull().default("validating"),
    statusReason: text("status_reason"),
    decodeTokensPerSecond: real("decode_tokens_per_second"),
    source: text("source", { enum: MODEL_SOURCES }).notNull().default("local"),
    remote: jsonb("remote").$type<RemoteEndpoint>(),
    /**
     * New whenever what the row serves changes (a folder installed or registered again, an
     * endpoint added): a server holding a loaded copy of another revision drops it (several
     * servers share one database: server/registry/loaded-models.ts).
     */
    revision: uuid("revision").notNull().defaultRandom(),
    uploadedBy: uuid("uploaded_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [check("models_id_slug", sql`${t.id} ~ '^[a-z0-9][a-z0-9._-]{0,127}$'`)],
);

// The SQL name keeps the first word for an app ("task"): renaming a table buys users nothing.
export const appAssignments = pgTable(
  "task_assignments",
  {
    app: text("app", { enum: APPS }).notNull(),
    modelId: text("model_id")
      .notNull()
      .references(() => models.id, { onDelete: "restrict" }),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.app, t.modelId] }),
    // At most one default model per application.
    uniqueIndex("task_assignments_one_default")
      .on(t.app)
      .where(sql`${t.isDefault}`),
  ],
);

export const chats = pgTable(
  "chats",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull().default("New chat"),
    /** The last message of the branch the user is looking at (messages form a tree). */
    currentLeafId: uuid("current_leaf_id"),
    /** System prompt and decoding (server/apps/chat-settings.ts), copied from the owner's defaults. */
    settings: jsonb("settings").$type<ChatSettings>(),
    /** Not kept: out of the list, search and exports, deleted on leaving or when idle (chat-store.ts). */
    temporary: boolean("temporary").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("chats_user_updated_idx").on(t.userId, t.updatedAt)],
);

/** A user's defaults for new chats (Settings › Chat); none stored means Loom's defaults. */
export const chatDefaults = pgTable("chat_defaults", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  settings: jsonb("settings").$type<ChatSettings>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Messages form a tree (parent id): regenerate and edit add siblings, nothing is overwritten. */
export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chatId: uuid("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    parentId: uuid("parent_id"),
    role: text("role", { enum: ["system", "user", "assistant"] }).notNull(),
    /** AI SDK UI message parts, as the client renders them. */
    parts: jsonb("parts").$type<unknown[]>().notNull(),
    modelId: text("model_id"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    timeToFirstTokenMs: integer("time_to_first_token_ms"),
    durationMs: integer("duration_ms"),
    createdAt: createdAt(),
  },
  (t) => [index("messages_chat_idx").on(t.chatId, t.createdAt), index("messages_parent_idx").on(t.parentId)],
);

/** One row per generation in any application: the metrics page reads this. */
export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    app: text("app", { enum: APPS }).notNull(),
    modelId: text("model_id").notNull(),
    messageId: uuid("message_id"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    timeToFirstTokenMs: integer("time_to_first_token_ms"),
    durationMs: integer("duration_ms"),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("running"),
    error: text("error"),
    via: text("via", { enum: RUN_CHANNELS }).notNull().default("web"),
    createdAt: createdAt(),
  },
  (t) => [index("runs_created_idx").on(t.createdAt), index("runs_user_created_idx").on(t.userId, t.createdAt)],
);

export const feedback = pgTable(
  "feedback",
  {
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    rating: integer("rating").notNull(),
    comment: text("comment"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.userId] }),
    check("feedback_rating_check", sql`${t.rating} in (-1, 1)`),
  ],
);

/**
 * A chat answer being written. It belongs to the server, not to an HTTP response: it appends its
 * output to generation_events, and any tab can reattach from the last sequence number it saw.
 */
export const generations = pgTable(
  "generations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chatId: uuid("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    /** The assistant message this generation writes. */
    messageId: uuid("message_id").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    modelId: text("model_id").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("running"),
    lastSeq: integer("last_seq").notNull().default(0),
    error: text("error"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set by Stop on an instance that does not run it; the running instance sees it on its next heartbeat. */
    stopRequestedAt: timestamp("stop_requested_at", { withTimezone: true }),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("generations_chat_idx").on(t.chatId), index("generations_status_idx").on(t.status)],
);

/** Append-only log of a generation's output, flushed in small batches. */
export const generationEvents = pgTable(
  "generation_events",
  {
    generationId: uuid("generation_id")
      .notNull()
      .references(() => generations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    /** "text" (a delta), "finish" or "error". */
    type: text("type").notNull(),
    data: jsonb("data").$type<unknown>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.generationId, t.seq] })],
);

/**
 * Personal keys for the OpenAI-compatible API. Only the sha256 of a key is kept (the key is 256
 * random bits: no dictionary to run, so a slow hash would buy nothing; decision 021).
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    /** The key's first characters, so a user can tell keys apart; never enough to use one. */
    prefix: text("prefix").notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.keyHash), index("api_keys_user_idx").on(t.userId)],
);

/** Daily limits per user; the row with user_id null is the default for everyone. */
export const quotas = pgTable(
  "quotas",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    dailyRequests: integer("daily_requests"),
    dailyTokens: integer("daily_tokens"),
  },
  (t) => [uniqueIndex("quotas_user_key").on(sql`coalesce(${t.userId}, '00000000-0000-0000-0000-000000000000'::uuid)`)],
);

/**
 * Settings of the whole instance that admins change at run time (Admin page), one row per key;
 * a key without a row takes its default from server/config.ts (server/settings/instance-settings.ts).
 */
export const instanceSettings = pgTable("instance_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").$type<unknown>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One message of a shared snapshot: what the read-only page shows (decision 029). */
export interface SharedMessage {
  role: "system" | "user" | "assistant";
  parts: unknown[];
  /** The answering model's display name at the time of sharing. */
  model?: string;
}

/**
 * Read-only links to a chat. The link carries 256 random bits; only their sha256 is kept (as API
 * keys: decision 021). A link holds a snapshot of the visible branch taken when it was made
 * (decision 029); deleting the chat deletes its links, revoking one keeps the row to answer 410.
 */
export const shareLinks = pgTable(
  "share_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chatId: uuid("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    title: text("title").notNull(),
    messages: jsonb("messages").$type<SharedMessage[]>().notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("share_links_token_key").on(t.tokenHash), index("share_links_chat_idx").on(t.chatId)],
);

export type User = typeof users.$inferSelect;
export type ModelRow = typeof models.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ShareLinkRow = typeof shareLinks.$inferSelect;
