// PUT — a .zip, .tar or .tar.gz of a model folder, streamed to disk and unpacked with every
// hostile-archive check (traversal, links, bombs, too many files).
import type { ActionFunctionArgs } from "@remix-run/node";
import { apiError, requireApiAdmin, rethrowAsApiError } from "~/api.server";

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireApiAdmin(request, context);
  if (request.method !== "PUT") apiError(405, "Use PUT.");
  if (!request.body) apiError(400, "The archive is empty.");
  try {
    const files = await context.services.uploads.receiveArchive(params.id ?? "", request.body, {
      maxBytes: context.services.config.maxUploadBytes,
    });
    return Response.json({ files }, { status: 201 });
  } catch (error) {
    rethrowAsApiError(error);
  }
}
