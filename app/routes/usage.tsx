// /usage — the signed-in user's own use: requests and generated tokens per UTC day and application
// over the last 30 days (the runs table), and what today's quota leaves (server/usage/quotas.ts).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { APP_TITLES, APPS } from "../../server/apps";
import { dayBuckets } from "../../server/usage/personal-usage";
import { StackedBarChart, type TimeSeries } from "~/components/chart-time-series";
import { formatCompact, formatCount, formatUtc, PageHeader } from "~/components/ui";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Your usage · Loom" }];

const DAYS = 30;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const { personalUsage, quotas } = context.services;
  const [rows, quota, today] = await Promise.all([
    personalUsage.daily(user.id, DAYS),
    quotas.quotaFor(user.id),
    quotas.usageToday(user.id),
  ]);
  const buckets = dayBuckets(DAYS, new Date());
  const index = new Map(buckets.map((b, i) => [b, i]));
  const used = APPS.filter((app) => rows.some((r) => r.app === app));
  const seriesOf = (value: (r: (typeof rows)[number]) => number): TimeSeries[] =>
    used.map((app) => {
      const values = Array<number | null>(DAYS).fill(0);
      for (const r of rows) if (r.app === app && index.has(r.day)) values[index.get(r.day)!] = value(r);
      return { key: app, label: APP_TITLES[app], values, color: APPS.indexOf(app) };
    });
  const left = (limit: number | null, spent: number) => (limit === null ? null : Math.max(0, limit - spent));
  return {
    buckets,
    rows,
    requestSeries: seriesOf((r) => r.requests),
    tokenSeries: seriesOf((r) => r.completionTokens),
    totals: {
      requests: rows.reduce((n, r) => n + r.requests, 0),
      promptTokens: rows.reduce((n, r) => n + r.promptTokens, 0),
      completionTokens: rows.reduce((n, r) => n + r.completionTokens, 0),
    },
    quota: {
      dailyRequests: quota.dailyRequests,
      dailyTokens: quota.dailyTokens,
      requestsLeft: left(quota.dailyRequests, today.requests),
      tokensLeft: left(quota.dailyTokens, today.tokens),
      today,
      resetsAt: quotas.resetsAt().toISOString(),
    },
  };
}

const cell = "py-2 pr-4";
const num = `${cell} text-right tabular-nums`;

export default function Usage() {
  const { buckets, rows, requestSeries, tokenSeries, totals, quota } = useLoaderData<typeof loader>();
  const limitText = (left: number | null, limit: number | null, unit: string) =>
    left === null || limit === null ? "no limit" : `${formatCount(left)} of ${formatCount(limit)} ${unit} left`;
  const stats = [
    { label: "Requests today", value: formatCount(quota.today.requests), testId: "requests-today" },
    { label: "Tokens generated today", value: formatCount(quota.today.tokens), testId: "tokens-today" },
    {
      label: "Daily requests",
      value: limitText(quota.requestsLeft, quota.dailyRequests, "requests"),
      testId: "requests-left",
    },
    { label: "Daily tokens", value: limitText(quota.tokensLeft, quota.dailyTokens, "tokens"), testId: "tokens-left" },
  ];
  return (
    <div className="space-y-6">
      <PageHeader
        title="Your usage"
        description={`Your requests and generated tokens over the last ${DAYS} days, in every app and through the API; days in UTC. Daily limits start again at ${formatUtc(quota.resetsAt)}.`}
      />
      <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
        {stats.map((s) => (
          <div key={s.label} className="rounded-lg border border-slate-200 p-3 sm:p-4 dark:border-slate-800">
            <dt className="text-xs text-slate-600 sm:text-sm dark:text-slate-400">{s.label}</dt>
            <dd data-testid={s.testId} className="mt-1 text-base font-semibold sm:text-lg">
              {s.value}
            </dd>
          </div>
        ))}
      </dl>
      {totals.requests === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
          No requests in the last {DAYS} days. Charts appear once you use the apps.
        </p>
      ) : (
        <>
          <div className="grid gap-4 lg:grid-cols-2">
            <StackedBarChart
              title="Requests per day"
              description="By application; days in UTC."
              step="day"
              buckets={buckets}
              series={requestSeries}
              format={(v) => formatCompact(v)}
              unit="requests"
              summary={`Your requests per day over the last ${DAYS} days: ${formatCount(totals.requests)} in all. The data is in the table below the chart.`}
            />
            <StackedBarChart
              title="Generated tokens per day"
              description="By application; days in UTC."
              step="day"
              buckets={buckets}
              series={tokenSeries}
              format={(v) => formatCompact(v)}
              unit="tokens"
              summary={`Tokens generated for you per day over the last ${DAYS} days: ${formatCount(totals.completionTokens)} in all. The data is in the table below the chart.`}
            />
          </div>
          <div className="overflow-x-auto">
            <table className="w-full min-w-[32rem] text-left text-sm" data-testid="usage-table">
              <caption className="sr-only">Requests and tokens per day and application</caption>
              <thead>
                <tr className="border-b border-slate-200 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                  <th scope="col" className={`${cell} font-medium`}>
                    Day (UTC)
                  </th>
                  <th scope="col" className={`${cell} font-medium`}>
                    Application
                  </th>
                  <th scope="col" className={`${num} font-medium`}>
                    Requests
                  </th>
                  <th scope="col" className={`${num} font-medium`}>
                    Prompt tokens
                  </th>
                  <th scope="col" className={`${num} font-medium`}>
                    Generated tokens
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...rows].reverse().map((r) => (
                  <tr key={`${r.day}:${r.app}`} className="border-b border-slate-100 dark:border-slate-900">
                    <td className={cell}>{r.day.slice(0, 10)}</td>
                    <td className={cell}>{APP_TITLES[r.app]}</td>
                    <td className={num}>{formatCount(r.requests)}</td>
                    <td className={num}>{formatCount(r.promptTokens)}</td>
                    <td className={num}>{formatCount(r.completionTokens)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
