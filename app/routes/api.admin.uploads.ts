// POST: start a model upload. The browser then PUTs the archive or each file of a folder, and
// finally asks to install it (api.admin.uploads.$id.ts).
import type { ActionFunctionArgs } from "@remix-run/node";
import { apiError, requireApiAdmin, rethrowAsApiError } from "~/api.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await requireApiAdmin(request, context);
  if (request.method !== "POST") apiError(405, "Use POST.");
  try {
    const { id } = await context.services.uploads.createUpload();
    return Response.json({ id, maxBytes: context.services.config.maxUploadBytes }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
