// Admin › Feedback's query string, read once for the page and its download: filters, page and
// format, or a 400 that says which value is wrong.
import { data } from "@remix-run/node";
import { filtersFromQuery, formatFromQuery, pageFromQuery } from "../server/feedback/filters";
import { publicErrorOf } from "../server/http-error";

export function readFeedbackQuery(request: Request) {
  const params = new URL(request.url).searchParams;
  try {
    return {
      filters: filtersFromQuery(params),
      page: pageFromQuery(params),
      format: formatFromQuery(params.get("format")),
    };
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    throw data({ message: known.message, code: known.code }, { status: known.status });
  }
}
