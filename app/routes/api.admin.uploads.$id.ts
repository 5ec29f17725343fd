// POST: validate the uploaded folder and install it into the model store (one rename), then
// assign it to the chosen applications. DELETE: discard the upload.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { APPS } from "../../server/apps";
import { MODEL_ID_PATTERN } from "../../server/common/model-id";
import { cleanText } from "../../server/common/user-text";
import { isModelIdTaken } from "../../server/registry/install";
import { apiError, readJson, requireApiAdmin, rethrowAsApiError } from "~/api.server";

const installRequest = z.object({
  modelId: z
    .string()
    .regex(MODEL_ID_PATTERN, "Model ids are lower-case letters, digits, dots, dashes and underscores."),
  displayName: cleanText("Display name").trim().max(100).optional(),
  assign: z.array(z.enum(APPS)).max(APPS.length).default([]),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const admin = await requireApiAdmin(request, context);
  const { uploads, registry } = context.services;
  const id = params.id ?? "";
  try {
    if (request.method === "DELETE") {
      const removed = await uploads.discardUpload(id);
      return removed ? new Response(null, { status: 204 }) : apiError(404, "There is no such upload.");
    }
    if (request.method !== "POST") apiError(405, "Use POST to install or DELETE to discard.");
    const input = await readJson(request, installRequest);
    let installed;
    try {
      installed = await registry.installUploaded(uploads.filesDir(id), {
        modelId: input.modelId,
        displayName: input.displayName,
        uploadedBy: admin.id,
      });
    } catch (error) {
      // A refused model leaves nothing behind: the staging folder goes too (unless the id was taken,
      // when the admin may retry under another id).
      if (!isModelIdTaken(error)) await uploads.discardUpload(id).catch(() => false);
      throw error;
    }
    await uploads.discardUpload(id).catch(() => false);
    for (const app of input.assign) await registry.assign(app, installed.row.id, false);
    return Response.json(
      { model: { id: installed.row.id, displayName: installed.row.displayName, kind: installed.row.kind } },
      { status: 201 },
    );
  } catch (error) {
    rethrowAsApiError(error);
  }
}
