// Test helper: a new, empty database on the PostgreSQL server of DATABASE_URL (CI's, or a
// throwaway one), for tests that need a database no migration has touched or that several
// processes share. Undefined when DATABASE_URL is not set: those tests say they were skipped.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface FreshPostgres {
  url: string;
  drop(): Promise<void>;
}

/** Why a PostgreSQL-only test did not run, for its skip message. */
export const NO_POSTGRES =
  "skipped: needs a PostgreSQL server (set DATABASE_URL=postgres://…; CI's .ci/run does); PGlite is one process's alone";

export async function createFreshPostgres(prefix: string): Promise<FreshPostgres | undefined> {
  const base = process.env.DATABASE_URL;
  if (!base?.startsWith("postgres")) return undefined;
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const dropper = postgres(base, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
