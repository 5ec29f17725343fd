// npm run bench:db-statements -- [--requests 400] [--rounds 5]
// The three statements every generation request reads before its first token (its API key, its
// user's quota, its app's models), as the product runs them (prepared once: server/auth/api-keys.ts,
// server/usage/quotas.ts, server/registry/assignments.ts) and built anew per request, as they were
// before (kept here only, as the peer). The two take turns, round by round; ms per request (the
// three lookups in turn, one request at a time), best round of each. On the embedded PGlite (a
// fresh in-memory database), or on the PostgreSQL of DATABASE_URL: there it adds one user, key and
// model and deletes them at the end (never the test helper, which empties every table). A
// benchmark, never a pass/fail test.
import { createHash } from "node:crypto";
import { and, asc, desc, eq, getTableColumns, isNull, or } from "drizzle-orm";
import { parseArgs } from "node:util";
import { openDatabase, type Db } from "../db/client";
import { apiKeys, appAssignments, models, quotas, users } from "../db/schema";
import { createApiKeys } from "../server/auth/api-keys";
import { createAssignments } from "../server/registry/assignments";
import { createQuotas } from "../server/usage/quotas";

const { values } = parseArgs({
  options: { requests: { type: "string", default: "400" }, rounds: { type: "string", default: "5" } },
});
const REQUESTS = Math.min(10_000, Math.max(10, Number(values.requests) || 400));
const ROUNDS = Math.min(20, Math.max(1, Number(values.rounds) || 5));

/** The same three reads, each statement built from its query builder on every call. */
function builtEachTime(db: Db) {
  return async (key: string, forUser: string) => {
    const keyHash = createHash("sha256").update(key).digest("hex");
    await db
      .select({ keyId: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt, user: users })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.keyHash, keyHash));
    await db
      .select()
      .from(quotas)
      .where(or(eq(quotas.userId, forUser), isNull(quotas.userId)));
    await db
      .select(getTableColumns(models))
      .from(appAssignments)
      .innerJoin(models, eq(models.id, appAssignments.modelId))
      .where(and(eq(appAssignments.app, "chat"), eq(models.status, "ready")))
      .orderBy(desc(appAssignments.isDefault), asc(models.displayName));
  };
}

const database = await openDatabase({ url: process.env.DATABASE_URL });
const { db } = database;
const modelId = `bench-${Date.now()}`;
let userId: string | undefined;
try {
  const [user] = await db
    .insert(users)
    .values({ email: `bench-${Date.now()}@example.com`, name: "Bench", passwordHash: "x" })
    .returning();
  userId = user!.id;
  await db.insert(models).values({ id: modelId, displayName: "Bench", kind: "causal-lm", status: "ready" });
  await db.insert(appAssignments).values({ app: "chat", modelId, isDefault: false });
  const keys = createApiKeys(db);
  const { key } = await keys.create(user!.id, "bench");
  const quotasOf = createQuotas(db);
  const { resolve } = createAssignments({
    db,
    requireModel: () => Promise.reject(new Error("not used by the bench")),
  });
  const prepared = async (apiKey: string, forUser: string) => {
    await keys.authenticate(apiKey);
    await quotasOf.assertWithinQuota(forUser);
    await resolve("chat");
  };
  // Both sides must find what a request needs, or the figures mean nothing.
  const found = await keys.authenticate(key);
  if (!("user" in found) || found.user.id !== user!.id) throw new Error("the prepared key lookup found no user");
  if ((await resolve("chat")).id !== modelId) throw new Error("the prepared model lookup found another model");
  const sides = { "built each time": builtEachTime(db), prepared };
  const best: Record<string, number> = {};
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, lookups] of Object.entries(sides)) {
      const started = performance.now();
      for (let i = 0; i < REQUESTS; i++) await lookups(key, user!.id);
      const msPerRequest = (performance.now() - started) / REQUESTS;
      if (round >= 0) best[name] = Math.min(best[name] ?? Infinity, msPerRequest); // round -1 warms up
    }
  }
  const before = best["built each time"]!;
  const after = best.prepared!;
  console.log(`database ${database.driver}; ${REQUESTS} requests a round, ${ROUNDS} rounds, best round of each\n`);
  console.log("| statements | ms per request (key, quota, model) | ratio |");
  console.log("| --- | ---: | ---: |");
  console.log(`| built each time | ${before.toFixed(3)} | 1.00 |`);
  console.log(`| prepared once | ${after.toFixed(3)} | ${(before / after).toFixed(2)}× faster |`);
} finally {
  // The key goes with its user (cascade): nothing the bench added is left behind.
  await db.delete(appAssignments).where(eq(appAssignments.modelId, modelId));
  await db.delete(models).where(eq(models.id, modelId));
  if (userId) await db.delete(users).where(eq(users.id, userId));
  await database.close();
}
