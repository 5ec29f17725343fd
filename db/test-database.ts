// Test helper: a migrated, empty database. PGlite in memory by default; the real PostgreSQL named
// by DATABASE_URL when it is set (CI sets it), emptied first so each test file starts clean.
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "./client";

const TABLES = [
  "share_links",
  "instance_settings",
  "quotas",
  "api_keys",
  "generation_events",
  "generations",
  "feedback",
  "runs",
  "messages",
  "chat_defaults",
  "chats",
  "task_assignments",
  "models",
  "login_attempts",
  "sessions",
  "users",
];

export async function openTestDatabase(): Promise<Database> {
  const database = await openDatabase({ url: process.env.DATABASE_URL });
  if (database.driver === "postgres") {
    await database.db.execute(sql.raw(`truncate ${TABLES.map((t) => `"${t}"`).join(", ")} cascade`));
  }
  return database;
}
