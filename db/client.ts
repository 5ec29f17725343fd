// One client for both databases: PGlite (PostgreSQL in WASM, persisted in a folder that one
// process holds at a time) when no DATABASE_URL is given, a real PostgreSQL through postgres.js
// when it is. Same schema, same migrations, same queries — only the driver differs.
// Several servers may share one PostgreSQL (migrations under an advisory lock, below); PGlite is
// one process's alone (db/lock.ts), so its migrations need no lock.
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { lockDatabaseFolder } from "./lock";
import { keepPreparedStatements } from "./pglite-statements";
import { yieldBetweenStatements } from "./pglite-turns";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** "pglite" or "postgres": shown by /healthz, never the URL (it may hold a password). */
  driver: "pglite" | "postgres";
  ping(): Promise<void>;
  /**
   * Calls `onMessage` for each NOTIFY on `channel` (pg_notify); resolves to the unsubscribe. On
   * PostgreSQL that reaches every server sharing the database (postgres.js listens on a connection
   * of its own and listens again after a reconnect; notices sent in between are lost, so callers
   * also poll); on PGlite, this process only.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  url?: string;
  /** Folder for PGlite's files; undefined means in memory (tests). */
  pgliteDir?: string;
}

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * Several servers may start at once on one PostgreSQL: the migrator (which creates its own
 * schema, reads what was applied, then applies the rest) runs under a session advisory lock, so
 * one server migrates and the others wait, then find nothing left to do. Its own one-connection
 * client: a session lock belongs to a connection, and a pool would hand the queries to others.
 * The lock goes with the connection, so a server that dies mid-migration blocks nobody.
 */
async function migratePostgresOnce(url: string) {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(hashtext(${MIGRATION_LOCK}))`;
    await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder });
    await client`select pg_advisory_unlock(hashtext(${MIGRATION_LOCK}))`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

const MIGRATION_LOCK = "loom:migrations";

/** Opens the database and applies every pending migration before returning. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // max 10 connections: enough for one web instance; postgres.js queues beyond that.
    await migratePostgresOnce(options.url);
    const client = postgres(options.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema });
    return {
      db: db as unknown as Db,
      driver: "postgres",
      ping: async () => void (await db.execute(sql`select 1`)),
      listen: async (channel, onMessage) => {
        const { unlisten } = await client.listen(channel, onMessage);
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  // A folder is this process's alone (db/lock.ts): taken before PGlite reads a byte of it.
  const lock = options.pgliteDir ? await lockDatabaseFolder(options.pgliteDir) : undefined;
  const client = new PGlite(options.pgliteDir);
  const db = drizzlePglite(client, { schema });
  const close = async () => {
    try {
      await client.close();
    } finally {
      await lock?.release();
    }
  };
  try {
    await client.waitReady;
    keepPreparedStatements(client);
    await yieldBetweenStatements(client);
    await migratePglite(db, { migrationsFolder });
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  return {
    db: db as unknown as Db,
    driver: "pglite",
    ping: async () => void (await db.execute(sql`select 1`)),
    listen: async (channel, onMessage) => {
      const unlisten = await client.listen(channel, onMessage);
      return () => unlisten();
    },
    close,
  };
}
