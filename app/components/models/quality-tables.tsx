// The pieces of Admin › Models › Quality: the card's evaluation numbers, the bias probe table with
// its probe sets, feedback per app and day, and a fine-tuned model's before/after and base-vs-new bias.
import type {
  BiasReport,
  EvaluationEntry,
  FinetuneReport,
} from "../../../server/quality/quality-file";
import type { FeedbackDay } from "../../../server/quality/feedback-counts";

const table = "w-full text-left text-sm tabular-nums";
const head = "border-b border-slate-200 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400";
const th = "py-1.5 pr-4 font-medium";
const td = "py-1.5 pr-4";
const row = "border-b border-slate-100 dark:border-slate-900";
const pct = (x: number | undefined) => (x === undefined ? "—" : `${(x * 100).toFixed(1)} %`);
const num = (x: number | undefined) => (x === undefined ? "—" : String(Math.round(x * 1000) / 1000));

export function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="mb-8" aria-label={title}>
      <h2 className="mb-2 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export function EvaluationTable({ entries }: { entries: EvaluationEntry[] }) {
  return (
    <table className={table}>
      <thead className={head}>
        <tr>
          <th className={th}>Metric</th>
          <th className={th}>Value</th>
          <th className={th}>Baseline</th>
          <th className={th}>Split</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e, i) => (
          <tr key={`${e.metric}-${i}`} className={row}>
            <td className={td}>{e.metric}</td>
            <td className={`${td} font-medium`}>{e.value}</td>
            <td className={td}>{e.baseline ? `${e.baseline.name}: ${e.baseline.value}` : "—"}</td>
            <td className={td}>{e.split ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BiasTable({ bias, base }: { bias: BiasReport; base?: BiasReport }) {
  const generative = bias.results.some((r) => r.kind === "generative");
  const baseOf = (id: string, kind: string) => base?.results.find((r) => r.probe_set === id && r.kind === kind);
  return (
    <>
      <p className="mb-2 text-xs text-slate-600 dark:text-slate-400">
        {generative
          ? `Chat answers to the probe sentences, scored by ${bias.scorer ?? "the sentiment model"}.`
          : "The classifier's labels on the probe sentences."}{" "}
        Flip rate: pairs whose variants do not all get the same label; score gap: spread of the positive score across
        the swap. Lower is better. {bias.generated_at && `Run ${bias.generated_at.slice(0, 10)}.`}
      </p>
      <table className={table}>
        <thead className={head}>
          <tr>
            <th className={th}>Probe set</th>
            <th className={th}>Attribute</th>
            <th className={th}>Language</th>
            <th className={th}>Pairs</th>
            <th className={th}>Flip rate</th>
            <th className={th}>Score gap</th>
            {generative && <th className={th}>Refusal change</th>}
            {base && <th className={th}>Base: flip rate / gap</th>}
          </tr>
        </thead>
        <tbody>
          {bias.results.map((r) => {
            const b = baseOf(r.probe_set, r.kind);
            return (
              <tr key={`${r.kind}-${r.probe_set}`} className={row}>
                <td className={`${td} font-mono text-xs`}>{r.probe_set}</td>
                <td className={td}>{r.attribute}</td>
                <td className={td}>{r.language}</td>
                <td className={td}>{r.pairs}</td>
                <td className={td}>{pct(r.flip_rate)}</td>
                <td className={td}>{num(r.mean_score_gap)}</td>
                {generative && <td className={td}>{pct(r.refusal_change_rate)}</td>}
                {base && <td className={td}>{b ? `${pct(b.flip_rate)} / ${num(b.mean_score_gap)}` : "—"}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {bias.probe_sets.length > 0 && (
        <>
          <h3 className="mt-4 mb-1 text-sm font-medium">Probe sets</h3>
          <ul className="list-disc pl-5 text-sm" aria-label="Probe sets">
            {bias.probe_sets.map((s) => (
              <li key={s.id}>
                <span className="font-mono text-xs">{s.id}</span> — {s.attribute}, {s.language}, {s.pairs} pairs
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export function FeedbackTable({ days, apps }: { days: FeedbackDay[]; apps: string[] }) {
  const byDay = [...new Set(days.map((d) => d.day))].sort().reverse();
  const cellOf = (day: string, app: string) => days.find((d) => d.day === day && d.app === app);
  return (
    <table className={table}>
      <caption className="sr-only">Ratings per day and application</caption>
      <thead className={head}>
        <tr>
          <th className={th}>Day (UTC)</th>
          {apps.map((app) => (
            <th key={app} className={th}>
              {app} 👍 / 👎
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {byDay.map((day) => (
          <tr key={day} className={row}>
            <th scope="row" className={`${td} font-normal`}>
              {day}
            </th>
            {apps.map((app) => {
              const c = cellOf(day, app);
              return (
                <td key={app} className={td}>
                  {c ? `${c.up} / ${c.down}` : "—"}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FinetuneSummary({ finetune }: { finetune: FinetuneReport }) {
  const metrics = [...new Set([...Object.keys(finetune.before ?? {}), ...Object.keys(finetune.after ?? {})])];
  const data = finetune.data;
  return (
    <>
      <dl className="mb-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-500">Base</dt>
        <dd>
          {finetune.base?.name ?? "—"}
          {finetune.base?.path && <span className="ml-2 font-mono text-xs">{finetune.base.path}</span>}
        </dd>
        <dt className="text-slate-500">Data</dt>
        <dd>
          {data
            ? `${data.file ?? "?"}: ${data.rows ?? "?"} rows (${data.train_rows ?? "?"} trained, ${data.held_back_rows ?? "?"} held back)${data.pairs !== undefined ? `, ${data.pairs} preference pairs` : ""}`
            : "—"}
        </dd>
        <dt className="text-slate-500">Steps</dt>
        <dd>{finetune.steps ?? "—"}</dd>
        <dt className="text-slate-500">Created</dt>
        <dd>{finetune.created_at ?? "—"}</dd>
      </dl>
      {metrics.length > 0 && (
        <table className={table} aria-label="Before and after fine-tuning">
          <thead className={head}>
            <tr>
              <th className={th}>Metric</th>
              <th className={th}>Before (base)</th>
              <th className={th}>After</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr key={m} className={row}>
                <td className={td}>{m}</td>
                <td className={td}>{num(finetune.before?.[m])}</td>
                <td className={`${td} font-medium`}>{num(finetune.after?.[m])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
