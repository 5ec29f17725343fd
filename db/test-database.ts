// Test helper: a migrated, empty database. PGlite in memory by default; the real PostgreSQL named
// by DATABASE_URL when it is set (CI sets it), emptied first so each test file starts clean, and
// only when its name says it is a test database.
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

/**
 * Throws unless the database `url` names says it is for tests: "test" anywhere in its name, or
 * "ci" as a word of it (CI's is loom_ci). Each test file empties every table, and a DATABASE_URL
 * exported for `npm start` (README: …/loom) must never be wiped by `npm test`.
 */
export function assertTestDatabaseName(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  if (/test/i.test(name) || words.some((word) => word === "ci")) return;
  throw new Error(
    `The tests empty every table of DATABASE_URL's database, and "${name || "(none named)"}" does not ` +
      `look like a test database. Point DATABASE_URL at one whose name says so (loom_test, loom_ci), ` +
      `or unset it to test on the embedded PGlite.`,
  );
}

export async function openTestDatabase(): Promise<Database> {
  if (process.env.DATABASE_URL) assertTestDatabaseName(process.env.DATABASE_URL);
  const database = await openDatabase({ url: process.env.DATABASE_URL });
  if (database.driver === "postgres") {
    await database.db.execute(sql.raw(`truncate ${TABLES.map((t) => `"${t}"`).join(", ")} cascade`));
  }
  return database;
}
