// Which rated answers an admin looks at or exports: one schema for the Admin › Feedback page, its
// download route and `npm run feedback`, so the three read the same filters the same way.
import { z } from "zod";
import { APPS } from "../apps";
import { HttpError } from "../http-error";
import { isModelId } from "../common/model-id";

export const EXPORT_FORMATS = ["messages", "preference"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Rows per page on Admin › Feedback. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

const day = (label: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} is a date: YYYY-MM-DD.`)
    .refine((s) => {
      const date = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(s);
    }, `${label} is not a real date.`);

export const feedbackFilters = z
  .object({
    model: z.string().max(128).refine(isModelId, "model is a model id (lowercase letters, digits, . _ -).").optional(),
    app: z.enum(APPS, { error: `app is one of: ${APPS.join(", ")}.` }).optional(),
    rating: z.enum(["up", "down"], { error: "rating is up or down." }).optional(),
    /** Ratings on or after this day (UTC). */
    since: day("since").optional(),
    /** Ratings on or before this day (UTC). */
    until: day("until").optional(),
  })
  .refine((f) => !f.since || !f.until || f.since <= f.until, "since is after until.");
export type FeedbackFilters = z.infer<typeof feedbackFilters>;

export const feedbackPage = z.object({
  page: z.coerce.number().int("page is a whole number.").min(1, "page starts at 1.").max(100_000).default(1),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE, `pageSize is at most ${MAX_PAGE_SIZE}.`)
    .default(DEFAULT_PAGE_SIZE),
});

export class BadFeedbackFilterError extends HttpError<"BAD_FEEDBACK_FILTER"> {
  constructor(message: string) {
    super(400, "BAD_FEEDBACK_FILTER", message);
  }
}

/** Filters from a URL's query (empty values count as absent: a form's untouched fields). */
export function filtersFromQuery(params: URLSearchParams): FeedbackFilters {
  const given = Object.fromEntries([...params].filter(([key, value]) => value !== "" && key in FILTER_KEYS));
  const parsed = feedbackFilters.safeParse(given);
  if (!parsed.success) throw new BadFeedbackFilterError(parsed.error.issues[0]!.message);
  return parsed.data;
}

const FILTER_KEYS = { model: 1, app: 1, rating: 1, since: 1, until: 1 } as const;

/** The page asked for; out-of-range values are a 400 like bad filters. */
export function pageFromQuery(params: URLSearchParams) {
  const given = Object.fromEntries(
    [...params].filter(([key, value]) => value !== "" && key in { page: 1, pageSize: 1 }),
  );
  const parsed = feedbackPage.safeParse(given);
  if (!parsed.success) throw new BadFeedbackFilterError(parsed.error.issues[0]!.message);
  return parsed.data;
}

/** The format of an export; "messages" unless asked otherwise. */
export function formatFromQuery(value: string | null | undefined): ExportFormat {
  if (!value) return "messages";
  if (!(EXPORT_FORMATS as readonly string[]).includes(value))
    throw new BadFeedbackFilterError(`format is one of: ${EXPORT_FORMATS.join(", ")}.`);
  return value as ExportFormat;
}

/** [start, end) of the filter's dates as instants, UTC days. */
export function dateBounds(filters: FeedbackFilters): { from?: Date; before?: Date } {
  const from = filters.since ? new Date(`${filters.since}T00:00:00Z`) : undefined;
  const before = filters.until ? new Date(new Date(`${filters.until}T00:00:00Z`).getTime() + 86_400_000) : undefined;
  return { from, before };
}
