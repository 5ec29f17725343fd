// PUT ?path=onnx/model.onnx — one file of a dropped folder, streamed to disk (never held in memory).
import type { ActionFunctionArgs } from "@remix-run/node";
import { apiError, requireApiAdmin, rethrowAsApiError } from "~/api.server";

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireApiAdmin(request, context);
  if (request.method !== "PUT") apiError(405, "Use PUT.");
  const relativePath = new URL(request.url).searchParams.get("path");
  if (!relativePath) apiError(400, "Say where the file goes: ?path=relative/path.");
  if (!request.body) apiError(400, "The file is empty.");
  try {
    const file = await context.services.uploads.writeUploadFile(params.id ?? "", relativePath, request.body, {
      maxBytes: context.services.config.maxUploadBytes,
    });
    return Response.json({ file }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
