// Personal API keys for the OpenAI-compatible API (/v1). A key is 256 random bits shown once; the
// database keeps its sha256 only (decision 021), so a leaked table leaks no usable key. A request
// finds its key by that hash through a unique index: nothing to compare byte by byte.
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { apiKeys, users } from "../../db/schema";
import { HttpError } from "../http-error";
import type { PublicUser } from "./auth-service";

/** Every key starts so: secret scanners and people can tell what leaked. */
export const API_KEY_PREFIX = "loom-";
/** A user keeps at most this many keys. */
export const MAX_KEYS_PER_USER = 20;
/** last_used_at is written at most this often per key: not one write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const apiKeyName = z
  .string()
  .trim()
  .min(1, "Give the key a name.")
  .max(80, "Key names are limited to 80 characters.");

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export function createApiKeys(db: Db, now: () => Date = () => new Date()) {
  /** A new key for the user: the whole key is returned here and nowhere else, ever. */
  async function create(userId: string, name: string): Promise<{ key: string; summary: ApiKeySummary }> {
    const existing = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.userId, userId));
    if (existing.length >= MAX_KEYS_PER_USER)
      throw new HttpError(409, "TOO_MANY_KEYS", `At most ${MAX_KEYS_PER_USER} keys per account: revoke one first.`);
    const parsedName = apiKeyName.safeParse(name);
    if (!parsedName.success) throw new HttpError(400, "BAD_KEY_NAME", parsedName.error.issues[0]!.message);
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const [row] = await db
      .insert(apiKeys)
      .values({ userId, name: parsedName.data, keyHash: hashKey(key), prefix: key.slice(0, 12) })
      .returning();
    return { key, summary: summaryOf(row!) };
  }

  async function list(userId: string): Promise<ApiKeySummary[]> {
    const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
    return rows.map(summaryOf);
  }

  /** Only the owner's own keys; revoking one that is gone is a 404. */
  async function revoke(userId: string, keyId: string) {
    const deleted = await db
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)))
      .returning({ id: apiKeys.id });
    if (deleted.length === 0) throw new HttpError(404, "KEY_NOT_FOUND", "There is no such key.");
  }

  // Every /v1 request runs this statement first: prepared once, not built per request (decision 040).
  const keyByHash = db
    .select({ keyId: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, sql.placeholder("keyHash")))
    .prepare("api_key_by_hash");

  /**
   * The key's owner, or a reason: "unknown" (no such key: revoked or never made) or "disabled"
   * (the account is disabled: its keys stop working with it).
   */
  async function authenticate(
    key: string,
  ): Promise<{ user: PublicUser; keyId: string } | { refused: "unknown" | "disabled" }> {
    if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return { refused: "unknown" };
    const [row] = await keyByHash.execute({ keyHash: hashKey(key) });
    if (!row) return { refused: "unknown" };
    if (row.user.disabledAt) return { refused: "disabled" };
    // Compared here, not in the update's WHERE: most requests then run one statement, not two.
    // The WHERE still guards against another request or server that wrote it meanwhile.
    const t = now();
    const staleBefore = new Date(t.getTime() - LAST_USED_RESOLUTION_MS);
    if (!row.lastUsedAt || row.lastUsedAt < staleBefore)
      await db
        .update(apiKeys)
        .set({ lastUsedAt: t })
        .where(and(eq(apiKeys.id, row.keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore))));
    const { id, email, name, role, createdAt } = row.user;
    return { user: { id, email, name, role, createdAt }, keyId: row.keyId };
  }

  return { create, list, revoke, authenticate };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

function summaryOf(row: typeof apiKeys.$inferSelect): ApiKeySummary {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt };
}
