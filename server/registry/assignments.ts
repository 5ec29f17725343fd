// Which models serve which application: the task_assignments rows, at most one default per
// application. Database only; loading the chosen model is the registry's.
import { and, asc, count, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { models, appAssignments, type ModelRow } from "../../db/schema";
import { APP_TITLES, type AppName } from "../apps";
import { kindRefusal } from "../apps/model-kinds";
import { HttpError } from "../http-error";

export interface AssignedModel {
  id: string;
  displayName: string;
  kind: string;
  isDefault: boolean;
}

export interface AssignmentsOptions {
  db: Db;
  /** The model's row, or a 404 (the registry's, shared with rename and remove). */
  requireModel: (modelId: string) => Promise<ModelRow>;
}

export function createAssignments({ db, requireModel }: AssignmentsOptions) {
  /** The ready models assigned to an application, the default first. */
  async function modelsForApp(app: AppName): Promise<AssignedModel[]> {
    return db
      .select({
        id: models.id,
        displayName: models.displayName,
        kind: models.kind,
        isDefault: appAssignments.isDefault,
      })
      .from(appAssignments)
      .innerJoin(models, eq(models.id, appAssignments.modelId))
      .where(and(eq(appAssignments.app, app), eq(models.status, "ready")))
      .orderBy(desc(appAssignments.isDefault), asc(models.displayName));
  }

  // Every generation request resolves its model (decision 034): prepared once, not built per
  // request (decision 040).
  const readyModelsOfApp = db
    .select(getTableColumns(models))
    .from(appAssignments)
    .innerJoin(models, eq(models.id, appAssignments.modelId))
    .where(and(eq(appAssignments.app, sql.placeholder("app")), eq(models.status, "ready")))
    .orderBy(desc(appAssignments.isDefault), asc(models.displayName))
    .prepare("ready_models_of_app");

  /**
   * The model serving `app`: the requested one if it is assigned there, else the default. One
   * statement: the assigned models' whole rows, the default first.
   */
  async function resolve(app: AppName, requested?: string): Promise<ModelRow> {
    const assigned = await readyModelsOfApp.execute({ app });
    if (assigned.length === 0) throw new HttpError(503, "NO_MODEL", `No model is assigned to ${APP_TITLES[app]} yet.`);
    const choice = requested ? assigned.find((m) => m.id === requested) : assigned[0];
    if (!choice)
      throw new HttpError(404, "MODEL_NOT_AVAILABLE", `Model "${requested}" is not available for ${APP_TITLES[app]}.`);
    return choice;
  }

  /** Gives each declared task this model as its default, where the task has no default yet. */
  async function assignDeclaredDefaults(modelId: string, tasks: AppName[]) {
    for (const app of tasks) {
      const [existing] = await db
        .select()
        .from(appAssignments)
        .where(and(eq(appAssignments.app, app), eq(appAssignments.isDefault, true)));
      await db.insert(appAssignments).values({ app, modelId, isDefault: !existing }).onConflictDoNothing();
    }
  }

  async function assign(app: AppName, modelId: string, isDefault: boolean) {
    const row = await requireModel(modelId);
    if (row.status !== "ready")
      throw new HttpError(409, "MODEL_NOT_READY", `Model "${modelId}" is not ready (${row.status}).`);
    const refusal = kindRefusal(row.kind, app);
    if (refusal) throw new HttpError(409, "WRONG_MODEL_KIND", `${refusal} "${modelId}" is a ${row.kind}.`);
    await db.transaction(async (tx) => {
      if (isDefault) await tx.update(appAssignments).set({ isDefault: false }).where(eq(appAssignments.app, app));
      const [{ n } = { n: 0 }] = await tx
        .select({ n: count() })
        .from(appAssignments)
        .where(eq(appAssignments.app, app));
      await tx
        .insert(appAssignments)
        .values({ app, modelId, isDefault: isDefault || n === 0 })
        .onConflictDoUpdate({ target: [appAssignments.app, appAssignments.modelId], set: { isDefault } });
    });
  }

  /** Removes an assignment; if it was the default, the oldest remaining assignment becomes default. */
  async function unassign(app: AppName, modelId: string) {
    await db.transaction(async (tx) => {
      await tx.delete(appAssignments).where(and(eq(appAssignments.app, app), eq(appAssignments.modelId, modelId)));
      const rest = await tx
        .select()
        .from(appAssignments)
        .where(eq(appAssignments.app, app))
        .orderBy(asc(appAssignments.createdAt));
      if (rest.length > 0 && !rest.some((a) => a.isDefault)) {
        await tx
          .update(appAssignments)
          .set({ isDefault: true })
          .where(and(eq(appAssignments.app, app), eq(appAssignments.modelId, rest[0]!.modelId)));
      }
    });
  }

  return { modelsForApp, resolve, assignDeclaredDefaults, assign, unassign };
}

export type Assignments = ReturnType<typeof createAssignments>;
