import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new SQL migration into db/migrations after a schema change;
// the server applies pending migrations itself at start.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
