// Admin › Feedback: the answers users rated, with their conversations, filtered by model, app,
// rating and date (all in the URL), a page at a time, and the same selection as JSONL downloads
// for training (admin.feedback.export.ts). Users who opted out are never listed.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { APPS } from "../../server/apps";
import { clipText } from "../../server/common/user-text";
import { RatedAnswerRow } from "~/components/feedback/rated-answer-row";
import {
  Alert,
  Button,
  buttonClass,
  formatCount,
  PageHeader,
  responsiveTable as t,
  Select,
  TextField,
} from "~/components/ui";
import { readFeedbackQuery } from "~/feedback.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Feedback · Admin · Loom" }];

/** The page shows each message clipped; the exports hold them whole. */
const SHOWN_CHARS = 4_000;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { filters, page } = readFeedbackQuery(request);
  const { feedback } = context.services;
  const [{ rows, total }, models] = await Promise.all([feedback.listPage(filters, page), feedback.ratedModels()]);
  return {
    filters,
    page: page.page,
    pages: Math.max(1, Math.ceil(total / page.pageSize)),
    total,
    models,
    rows: rows.map((r) => ({
      ...r,
      ratedAt: r.ratedAt.toISOString(),
      conversation: r.conversation.map((turn) => ({ ...turn, content: clipText(turn.content, SHOWN_CHARS) })),
    })),
  };
}

export default function AdminFeedback() {
  const { filters, page, pages, total, models, rows } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const selection = new URLSearchParams([...params].filter(([key]) => key !== "page" && key !== "format"));
  const withPage = (n: number) => `?${new URLSearchParams([...selection, ["page", String(n)]])}`;
  const exportHref = (format: string) =>
    `/admin/feedback/export?${new URLSearchParams([...selection, ["format", format]])}`;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Feedback"
        description="Answers users rated with 👍 or 👎, with their conversations. Users who opted out of training data (Settings › Privacy) are left out here and in the exports."
      />
      <Form method="get" className="grid items-end gap-3 sm:grid-cols-3 lg:grid-cols-6" aria-label="Filters">
        <Select
          label="Model"
          name="model"
          defaultValue={filters.model ?? ""}
          options={[{ value: "", label: "All models" }, ...models.map((m) => ({ value: m, label: m }))]}
        />
        <Select
          label="App"
          name="app"
          defaultValue={filters.app ?? ""}
          options={[{ value: "", label: "All apps" }, ...APPS.map((a) => ({ value: a, label: a }))]}
        />
        <Select
          label="Rating"
          name="rating"
          defaultValue={filters.rating ?? ""}
          options={[
            { value: "", label: "Both" },
            { value: "up", label: "👍 Good" },
            { value: "down", label: "👎 Bad" },
          ]}
        />
        <TextField label="From" name="since" type="date" defaultValue={filters.since ?? ""} />
        <TextField label="To" name="until" type="date" defaultValue={filters.until ?? ""} />
        <Button type="submit">Apply</Button>
      </Form>
      <Alert tone="info">
        <p>
          Exports may contain personal data: users&apos; own words, as they wrote them. Keep the files where only the
          people training models can read them, and delete them when done.
        </p>
        <div className="mt-2 flex flex-wrap gap-2">
          <a href={exportHref("messages")} className={buttonClass("secondary", "sm")} download>
            Export JSONL
          </a>
          <a href={exportHref("preference")} className={buttonClass("secondary", "sm")} download>
            Export preference pairs
          </a>
        </div>
      </Alert>
      <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="feedback-total">
        {formatCount(total)} rated {total === 1 ? "answer" : "answers"}
      </p>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No rated answers match these filters.</p>
      ) : (
        <table className={t.table}>
          <thead className={t.thead}>
            <tr className={t.headRow}>
              <th className={t.th}>Rating</th>
              <th className={t.th}>Model</th>
              <th className={t.th}>App</th>
              <th className={t.th}>Rated</th>
              <th className={t.th}>Question and answer</th>
            </tr>
          </thead>
          <tbody className={t.tbody}>
            {rows.map((row) => (
              <RatedAnswerRow key={row.messageId} answer={row} />
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center gap-3 text-sm">
          {page > 1 && (
            <Link to={withPage(page - 1)} className={buttonClass("secondary", "sm")}>
              Previous
            </Link>
          )}
          <span>
            Page {page} of {pages}
          </span>
          {page < pages && (
            <Link to={withPage(page + 1)} className={buttonClass("secondary", "sm")}>
              Next
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}
