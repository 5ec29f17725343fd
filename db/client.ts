// One client for both databases: PGlite (PostgreSQL in WASM, persisted in a folder that one
// process holds at a time) when no DATABASE_URL is given, a real PostgreSQL through postgres.js
// when it is. Same schema, same migrations, same queries — only the driver differs.
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
import { yieldBetweenStatements } from "./pglite-turns";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** "pglite" or "postgres": shown by /healthz, never the URL (it may hold a password). */
  driver: "pglite" | "postgres";
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  url?: string;
  /** Folder for PGlite's files; undefined means in memory (tests). */
  pgliteDir?: string;
}

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Opens the database and applies every pending migration before returning. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // max 10 connections: enough for one web instance; postgres.js queues beyond that.
    const client = postgres(options.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema });
    await migratePostgres(db, { migrationsFolder });
    return {
      db: db as unknown as Db,
      driver: "postgres",
      ping: async () => void (await db.execute(sql`select 1`)),
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
    close,
  };
}
