// The loader every application page shares: a signed-in user and the models assigned to the app.
import type { AppLoadContext } from "@remix-run/node";
import type { AppName } from "../server/apps";
import { requireUser } from "./session.server";

export async function loadAppPage(request: Request, context: AppLoadContext, app: AppName) {
  const user = await requireUser(request, context);
  const models = await context.services.registry.modelsForApp(app);
  return { models, isAdmin: user.role === "admin" };
}
