// GET /admin/feedback/export?format=messages|preference&model=…&app=…&rating=…&since=…&until=…
// The rated answers as a JSONL download, streamed as the database is read (server/feedback).
// Admin only; users who opted out of training data are never in it.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportStream } from "../../server/feedback/export-rows";
import { readFeedbackQuery } from "~/feedback.server";
import { requireAdmin } from "~/session.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { filters, format } = readFeedbackQuery(request);
  const day = new Date().toISOString().slice(0, 10);
  const filename = `loom-feedback-${format}-${day}.jsonl`;
  return new Response(exportStream(context.services.feedback, filters, format), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      // It holds users' conversations: no cache keeps a copy.
      "Cache-Control": "no-store",
    },
  });
}
