// Sentiment results: each text with its label and a confidence bar per label, a per-sentence
// breakdown for long texts, and for batches a small bar chart of the label distribution. A text
// in a language the model does not know says so instead of showing a label.
import { useId } from "react";
import { unsupportedNote, type SentimentResult } from "../../server/apps/sentiment";

const LABEL_COLORS: Record<string, { bar: string; badge: string; fill: string }> = {
  positive: {
    bar: "bg-emerald-500",
    badge: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
    fill: "fill-emerald-500",
  },
  negative: {
    bar: "bg-rose-500",
    badge: "bg-rose-100 text-rose-900 dark:bg-rose-950 dark:text-rose-200",
    fill: "fill-rose-500",
  },
  neutral: {
    bar: "bg-slate-400",
    badge: "bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
    fill: "fill-slate-400",
  },
};
LABEL_COLORS["not analysed"] = {
  bar: "bg-amber-400",
  badge: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  fill: "fill-amber-400",
};
const OTHER = [
  {
    bar: "bg-sky-500",
    badge: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
    fill: "fill-sky-500",
  },
  {
    bar: "bg-amber-500",
    badge: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
    fill: "fill-amber-500",
  },
  {
    bar: "bg-violet-500",
    badge: "bg-violet-100 text-violet-900 dark:bg-violet-950 dark:text-violet-200",
    fill: "fill-violet-500",
  },
];

function colorsOf(label: string, labels: string[]) {
  const known = LABEL_COLORS[label.toLowerCase()];
  if (known) return known;
  const others = labels.filter((l) => !LABEL_COLORS[l.toLowerCase()]);
  return OTHER[Math.max(0, others.indexOf(label)) % OTHER.length]!;
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

/** Every label that appears, in a stable order (positive, negative, neutral first). */
export function labelsOf(results: SentimentResult[]): string[] {
  const all = [...new Set(results.flatMap((r) => [...(r.label === null ? [] : [r.label]), ...Object.keys(r.scores)]))];
  const rank = (l: string) => {
    const i = ["positive", "negative", "neutral"].indexOf(l.toLowerCase());
    return i === -1 ? 3 : i;
  };
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function LabelBadge({ label, labels }: { label: string; labels: string[] }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold capitalize ${colorsOf(label, labels).badge}`}
    >
      {label}
    </span>
  );
}

export function ResultItem({ result, labels, index }: { result: SentimentResult; labels: string[]; index: number }) {
  if (result.label === null || result.score === null) return <UnsupportedItem result={result} index={index} />;
  const scores = labels.filter((l) => l in result.scores);
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-testid="sentiment-result">
      <div className="flex flex-wrap items-start gap-x-3 gap-y-1">
        <p className="min-w-0 flex-1 text-sm break-words whitespace-pre-wrap">
          <span className="sr-only">Text {index + 1}: </span>
          {result.text}
        </p>
        <p className="flex shrink-0 items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
          <span className="sr-only">Label:</span>
          <LabelBadge label={result.label} labels={labels} />
          <span title="Confidence">{pct(result.score)}</span>
        </p>
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr_auto] items-center gap-x-2 gap-y-1 text-xs">
        {scores.map((label) => {
          const p = result.scores[label] ?? 0;
          return (
            <div key={label} className="contents">
              <dt className="text-slate-600 capitalize dark:text-slate-400">{label}</dt>
              <dd className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
                <div
                  role="meter"
                  aria-label={`${label} confidence`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(p * 100)}
                  className={`h-full rounded-full ${colorsOf(label, labels).bar}`}
                  style={{ width: pct(p) }}
                />
              </dd>
              <dd className="w-10 text-right text-slate-600 tabular-nums dark:text-slate-400">{pct(p)}</dd>
            </div>
          );
        })}
      </dl>
      {result.sentences && result.sentences.length > 1 && (
        <details className="group mt-2 text-sm">
          <summary className="cursor-pointer text-xs font-medium text-brand-600 select-none dark:text-brand-500">
            Sentence by sentence ({result.sentences.length})
          </summary>
          <ol className="mt-2 space-y-1.5 border-l-2 border-slate-200 pl-3 dark:border-slate-800">
            {result.sentences.map((s, i) => (
              <li key={i} className="flex flex-wrap items-start gap-x-2 gap-y-1">
                <span className="min-w-0 flex-1">{s.text}</span>
                <span className="flex shrink-0 items-center gap-1 text-xs text-slate-600 dark:text-slate-400">
                  <LabelBadge label={s.label} labels={labels} />
                  {pct(s.score)}
                </span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}

/** A text the model cannot read: the language it is in, and no label. */
function UnsupportedItem({ result, index }: { result: SentimentResult; index: number }) {
  const name = result.unsupportedLanguage?.name ?? "This language";
  return (
    <li
      className="rounded-lg border border-dashed border-amber-400 p-3 dark:border-amber-700"
      data-testid="sentiment-result"
      data-unsupported-language={result.unsupportedLanguage?.code}
    >
      <div className="flex flex-wrap items-start gap-x-3 gap-y-1">
        <p className="min-w-0 flex-1 text-sm break-words whitespace-pre-wrap">
          <span className="sr-only">Text {index + 1}: </span>
          {result.text}
        </p>
        <p className="shrink-0 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          <span className="sr-only">Label: none. </span>
          {unsupportedNote(name)}
        </p>
      </div>
    </li>
  );
}

/** Count of texts per label, as a horizontal bar chart with a text alternative. */
export function LabelChart({ results, labels }: { results: SentimentResult[]; labels: string[] }) {
  const id = useId();
  const counts = labels.map((label) => ({ label, count: results.filter((r) => r.label === label).length }));
  const unlabelled = results.filter((r) => r.label === null).length;
  if (unlabelled) counts.push({ label: "not analysed", count: unlabelled });
  const max = Math.max(1, ...counts.map((c) => c.count));
  const total = results.length;
  const rowHeight = 28;
  const labelWidth = 90;
  const width = 360;
  const barSpace = width - labelWidth - 70;
  const height = counts.length * rowHeight;
  const description = counts.map((c) => `${c.label}: ${c.count} of ${total} (${pct(c.count / total)})`).join("; ");
  return (
    <figure className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-testid="label-chart">
      <figcaption id={`${id}-title`} className="mb-2 text-sm font-semibold">
        Label distribution
        <span className="ml-2 font-normal text-slate-500 dark:text-slate-400">{total} texts</span>
      </figcaption>
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${width} ${height}`}
        className="w-full max-w-md"
        style={{ height: "auto" }}
      >
        <desc id={`${id}-desc`}>{description}</desc>
        {counts.map((c, i) => {
          const y = i * rowHeight;
          const w = Math.max(c.count > 0 ? 2 : 0, (c.count / max) * barSpace);
          return (
            <g key={c.label}>
              <text
                x={labelWidth - 8}
                y={y + rowHeight / 2}
                textAnchor="end"
                dominantBaseline="central"
                className="fill-current text-[12px] capitalize"
              >
                {c.label}
              </text>
              <rect
                x={labelWidth}
                y={y + 6}
                width={barSpace}
                height={rowHeight - 12}
                rx={3}
                className="fill-slate-200 dark:fill-slate-800"
              />
              <rect
                x={labelWidth}
                y={y + 6}
                width={w}
                height={rowHeight - 12}
                rx={3}
                className={colorsOf(c.label, labels).fill}
              />
              <text
                x={labelWidth + barSpace + 8}
                y={y + rowHeight / 2}
                dominantBaseline="central"
                className="fill-current text-[12px] tabular-nums"
              >
                {c.count} ({pct(c.count / total)})
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
