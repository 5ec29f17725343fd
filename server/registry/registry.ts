// The model registry: the one place every application asks which model serves it. Rows live in
// the database (models, task_assignments); the model folders live in the model store.
import { and, asc, count, desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { models, taskAssignments, type AppName } from "../../db/schema";

export interface AssignedModel {
  id: string;
  displayName: string;
  kind: string;
  isDefault: boolean;
}

export function createRegistry(db: Db, modelsDir: string) {
  /** The ready models assigned to an application, the default first. */
  async function modelsForApp(app: AppName): Promise<AssignedModel[]> {
    return db
      .select({
        id: models.id,
        displayName: models.displayName,
        kind: models.kind,
        isDefault: taskAssignments.isDefault,
      })
      .from(taskAssignments)
      .innerJoin(models, eq(models.id, taskAssignments.modelId))
      .where(and(eq(taskAssignments.app, app), eq(models.status, "ready")))
      .orderBy(desc(taskAssignments.isDefault), asc(models.displayName));
  }

  async function listModels() {
    return db.select().from(models).orderBy(asc(models.id));
  }

  /** Counts by status, for /healthz and the admin overview. */
  async function status() {
    const rows = await db.select({ status: models.status, n: count() }).from(models).groupBy(models.status);
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const [assigned] = await db.select({ n: count() }).from(taskAssignments);
    return { modelsDir, models: byStatus, assignments: assigned?.n ?? 0 };
  }

  return { modelsForApp, listModels, status };
}

export type Registry = ReturnType<typeof createRegistry>;
