// The admin overview: the state of the instance at a glance, and the last 24 hours of the runs
// table: requests per hour, decode speed, time to first token per model and application, failures;
// and the instance's settings (whether share links need sign-in).
import {
  data as withStatus,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import type { AppName } from "../../server/apps";
import { APP_TITLES } from "../../server/apps";
import { LineChart, StackedBarChart, type TimeSeries } from "~/components/chart-time-series";
import { formatCompact, formatCount, formatMs, formatRate, formatUtc, PageHeader } from "~/components/ui";
import { InstanceSettingsForm } from "~/components/admin/instance-settings-form";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Admin · Loom" }];

const HOURS = 24;

/** The starts of the last 24 hours, oldest first, as the metrics query writes them. */
function hourBuckets(now: number): string[] {
  const current = Math.floor(now / 3600_000) * 3600_000;
  return Array.from({ length: HOURS }, (_, i) =>
    new Date(current - (HOURS - 1 - i) * 3600_000).toISOString().replace(".000Z", "Z"),
  );
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { registry, auth, metrics, database, settings } = context.services;
  const [status, users, models, summary, hourly, failures, shareLinksRequireSignIn] = await Promise.all([
    registry.status(),
    auth.listUsers(),
    registry.listModels(),
    metrics.summary(HOURS),
    metrics.hourly(HOURS),
    metrics.recentFailures(10),
    settings.get("shareLinksRequireSignIn"),
  ]);
  const names = new Map(models.map((m) => [m.id, m.displayName]));
  const buckets = hourBuckets(Date.now());
  const index = new Map(buckets.map((b, i) => [b, i]));
  const modelIds = [...new Set([...hourly.map((h) => h.modelId), ...summary.map((s) => s.modelId)])].sort();
  const requests = new Map(modelIds.map((id) => [id, Array<number | null>(HOURS).fill(0)]));
  const speed = new Map(modelIds.map((id) => [id, Array<number | null>(HOURS).fill(null)]));
  for (const h of hourly) {
    const i = index.get(h.hour);
    if (i === undefined) continue; // the part-hour just before the window
    requests.get(h.modelId)![i] = h.requests;
    speed.get(h.modelId)![i] = h.tokensPerSecond;
  }
  const series = (values: Map<string, (number | null)[]>): TimeSeries[] =>
    modelIds.map((id, color) => ({ key: id, label: names.get(id) ?? id, values: values.get(id)!, color }));

  return {
    shareLinksRequireSignIn,
    database: database.driver,
    registry: status,
    users: { total: users.length, admins: users.filter((u) => u.role === "admin").length },
    totals: {
      requests: summary.reduce((n, r) => n + r.requests, 0),
      tokens: summary.reduce((n, r) => n + r.completionTokens, 0),
      failures: summary.reduce((n, r) => n + r.failures, 0),
    },
    buckets,
    requestSeries: series(requests),
    // Classifiers generate no tokens: only models with a speed get a line.
    speedSeries: series(speed).filter((s) => s.values.some((v) => v !== null)),
    summary: summary.map((r) => ({ ...r, displayName: names.get(r.modelId) ?? r.modelId })),
    failures: failures.map((f) => ({
      id: f.id,
      modelId: f.modelId,
      app: f.app,
      error: f.error,
      createdAt: f.createdAt.toISOString(),
    })),
  };
}

// A checkbox sends "on" when ticked and nothing when not.
const settingsAction = z.object({
  intent: z.literal("settings"),
  shareLinksRequireSignIn: z.literal("on").optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(request, context);
  const { values } = await parseForm(request, settingsAction);
  if (!values) return withStatus({ error: "Invalid settings." }, { status: 400 });
  await context.services.settings.set("shareLinksRequireSignIn", values.shareLinksRequireSignIn === "on");
  return { error: null };
}

const cell = "py-2 pr-4";
const num = `${cell} text-right tabular-nums`;

export default function AdminOverview() {
  const data = useLoaderData<typeof loader>();
  const { database, registry, users, totals, buckets } = data;
  const stats = [
    { label: "Database", value: database === "pglite" ? "Embedded (PGlite)" : "PostgreSQL" },
    { label: "Models ready", value: String(registry.models.ready ?? 0) },
    { label: "App assignments", value: String(registry.assignments) },
    { label: "Users", value: `${users.total} (${users.admins} admin)` },
    { label: "Models in memory", value: String(registry.loaded) },
    { label: "Requests, 24 h", value: formatCount(totals.requests) },
    { label: "Tokens generated, 24 h", value: formatCompact(totals.tokens) },
    { label: "Failures, 24 h", value: formatCount(totals.failures) },
  ];
  const peak = data.requestSeries.length
    ? buckets
        .map((b, i) => ({ b, n: data.requestSeries.reduce((s, x) => s + (x.values[i] ?? 0), 0) }))
        .reduce((a, c) => (c.n > a.n ? c : a))
    : undefined;
  const speedSummary = data.speedSeries
    .map((s) => {
      const v = s.values.filter((x): x is number => x !== null);
      return v.length ? `${s.label} ${formatRate(Math.min(...v))} to ${formatRate(Math.max(...v))}` : null;
    })
    .filter(Boolean)
    .join("; ");

  return (
    <>
      <PageHeader title="Administration" description="The state of this Loom instance and the last 24 hours of use." />
      <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
        {stats.map((s) => (
          <div key={s.label} className="rounded-lg border border-slate-200 p-3 sm:p-4 dark:border-slate-800">
            <dt className="text-xs text-slate-600 sm:text-sm dark:text-slate-400">{s.label}</dt>
            <dd className="mt-1 text-base font-semibold sm:text-lg">{s.value}</dd>
          </div>
        ))}
      </dl>

      <InstanceSettingsForm shareLinksRequireSignIn={data.shareLinksRequireSignIn} />

      <h2 className="mt-8 mb-3 text-lg font-semibold">Last 24 hours</h2>
      {totals.requests === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
          No requests in the last 24 hours. Charts appear once the applications are used.
        </p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          <StackedBarChart
            title="Requests per hour"
            description="All applications, by model; hours in UTC."
            buckets={buckets}
            series={data.requestSeries}
            format={(v) => formatCompact(v)}
            unit="requests"
            summary={`Requests per hour over the last 24 hours: ${formatCount(totals.requests)} in all${
              peak && peak.n > 0 ? `, the busiest hour ${peak.b.slice(11, 16)} UTC with ${peak.n}` : ""
            }. The data is in the table below the chart.`}
          />
          <LineChart
            title="Decode speed"
            description="Generated tokens per second of generation time, by model; hours in UTC."
            buckets={buckets}
            series={data.speedSeries}
            format={(v) => (v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1))}
            unit="tok/s"
            summary={`Tokens per second over the last 24 hours, by model: ${speedSummary || "no completed generations"}. The data is in the table below the chart.`}
          />
        </div>
      )}

      <h2 className="mt-8 mb-3 text-lg font-semibold">By model and application</h2>
      {data.summary.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">Nothing to show yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[44rem] text-left text-sm">
            <caption className="sr-only">
              Requests, tokens, time to first token, speed and failures per model and application over the last 24 hours
            </caption>
            <thead>
              <tr className="border-b border-slate-200 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                <th scope="col" className={`${cell} font-medium`}>
                  Model
                </th>
                <th scope="col" className={`${cell} font-medium`}>
                  Application
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  Requests
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  Tokens
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  <abbr title="Time to first token" className="no-underline">
                    TTFT
                  </abbr>{" "}
                  p50
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  <abbr title="Time to first token" className="no-underline">
                    TTFT
                  </abbr>{" "}
                  p95
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  Speed
                </th>
                <th scope="col" className={`${num} font-medium`}>
                  Failures
                </th>
              </tr>
            </thead>
            <tbody>
              {data.summary.map((r) => (
                <tr key={`${r.modelId}:${r.app}`} className="border-b border-slate-100 dark:border-slate-900">
                  <th scope="row" className={`${cell} font-normal`}>
                    <span className="font-medium">{r.displayName}</span>
                    {r.displayName !== r.modelId && (
                      <span className="block font-mono text-xs text-slate-500 dark:text-slate-400">{r.modelId}</span>
                    )}
                  </th>
                  <td className={cell}>{APP_TITLES[r.app as AppName] ?? r.app}</td>
                  <td className={num}>{formatCount(r.requests)}</td>
                  <td className={num}>{formatCount(r.completionTokens)}</td>
                  <td className={num}>{formatMs(r.p50TtftMs)}</td>
                  <td className={num}>{formatMs(r.p95TtftMs)}</td>
                  <td className={num}>{formatRate(r.tokensPerSecond)}</td>
                  <td className={`${num} ${r.failures > 0 ? "font-medium text-red-700 dark:text-red-300" : ""}`}>
                    {formatCount(r.failures)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 className="mt-8 mb-3 text-lg font-semibold">Recent failures</h2>
      {data.failures.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No failed generations.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 dark:divide-slate-900 dark:border-slate-800">
          {data.failures.map((f) => (
            <li key={f.id} className="p-3 text-sm">
              <div className="flex flex-wrap gap-x-3 text-xs text-slate-600 dark:text-slate-400">
                <time dateTime={f.createdAt}>{formatUtc(f.createdAt)}</time>
                <span>{APP_TITLES[f.app as AppName] ?? f.app}</span>
                <span className="font-mono">{f.modelId}</span>
              </div>
              <p className="mt-1 break-words">{f.error ?? "No reason was recorded."}</p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
