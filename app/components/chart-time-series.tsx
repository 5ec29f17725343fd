// Small hand-written SVG charts over hourly buckets: stacked bars (counts) and lines (rates), one
// series per model. Each chart says what it shows in its aria-label and carries its data as a
// table behind a disclosure, so nothing is only visible as a picture.
import { useEffect, useId, useRef, useState } from "react";

export interface TimeSeries {
  key: string;
  label: string;
  /** One value per bucket; null where there is no data (lines break there). */
  values: (number | null)[];
  /** Index into the palette: keep it stable per model across charts. */
  color: number;
}

/** Literal class names, so Tailwind sees them; SVG shapes use currentColor. */
const PALETTE = [
  "text-sky-500",
  "text-amber-500",
  "text-emerald-500",
  "text-fuchsia-500",
  "text-rose-500",
  "text-indigo-400",
  "text-lime-500",
  "text-orange-400",
];
const BG_PALETTE = [
  "bg-sky-500",
  "bg-amber-500",
  "bg-emerald-500",
  "bg-fuchsia-500",
  "bg-rose-500",
  "bg-indigo-400",
  "bg-lime-500",
  "bg-orange-400",
];
const colorOf = (i: number) => PALETTE[i % PALETTE.length]!;

const HEIGHT = 200;
const MARGIN = { top: 10, right: 10, bottom: 24, left: 44 };

/** "2026-03-01T14:00:00Z" → "14:00" (UTC, as the buckets are). */
export const hourOf = (iso: string) => iso.slice(11, 16);

/** Buckets are hours (the admin's last 24 hours) or UTC days (a user's last 30 days). */
export type BucketStep = "hour" | "day";
/** The axis label of a bucket: "14:00" for an hour, "03-01" for a day. */
const labelOf = (iso: string, step: BucketStep) => (step === "hour" ? hourOf(iso) : iso.slice(5, 10));
/** The table's row heading of a bucket. */
const rowLabelOf = (iso: string, step: BucketStep) =>
  step === "hour" ? `${iso.slice(0, 10)} ${hourOf(iso)}` : iso.slice(0, 10);

function niceScale(maxValue: number, integer: boolean): { max: number; ticks: number[] } {
  if (!(maxValue > 0)) return { max: 1, ticks: [0, 1] };
  const raw = maxValue / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const steps = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = steps.find((s) => raw <= s * magnitude)! * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const max = Math.ceil(maxValue / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 2; v += step) ticks.push(Number(v.toFixed(6)));
  return { max, ticks };
}

/** The element's width, measured after hydration (the server renders at `initial`). */
function useWidth<T extends HTMLElement>(initial: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.max(240, Math.floor(el.getBoundingClientRect().width)));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

interface ChartProps {
  title: string;
  description: string;
  buckets: string[];
  series: TimeSeries[];
  /** Axis ticks and table cells. */
  format: (value: number) => string;
  /** What one value is, for the summary ("requests", "tok/s"). */
  unit: string;
  summary: string;
  /** Hourly buckets unless said otherwise. */
  step?: BucketStep;
}

function Frame({
  title,
  description,
  summary,
  buckets,
  series,
  format,
  step = "hour",
  children,
}: ChartProps & { children: (width: number) => React.ReactNode }) {
  const [ref, width] = useWidth<HTMLDivElement>(560);
  const titleId = useId();
  return (
    <figure aria-labelledby={titleId} className="min-w-0 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <figcaption>
        <span id={titleId} className="block font-medium">
          {title}
        </span>
        <span className="block text-xs text-slate-600 dark:text-slate-400">{description}</span>
      </figcaption>
      <div ref={ref} className="mt-3 w-full overflow-hidden">
        <svg
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          role="img"
          aria-label={summary}
          className="block max-w-full text-xs"
        >
          {children(width)}
        </svg>
      </div>
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Legend">
        {series.map((s) => (
          <li key={s.key} className="inline-flex items-center gap-1.5">
            <span
              aria-hidden="true"
              className={`inline-block size-2.5 rounded-sm ${BG_PALETTE[s.color % BG_PALETTE.length]}`}
            />
            <span className="break-all">{s.label}</span>
          </li>
        ))}
      </ul>
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Show the data as a table</summary>
        <div className="mt-2 max-h-64 overflow-auto">
          <table className="w-full text-left tabular-nums">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-800">
                <th scope="col" className="py-1 pr-3 font-medium">
                  {step === "hour" ? "Hour" : "Day"} (UTC)
                </th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="py-1 pr-3 font-medium break-all">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets.map((b, i) =>
                series.some((s) => s.values[i] !== null && s.values[i] !== 0) ? (
                  <tr key={b} className="border-b border-slate-100 dark:border-slate-900">
                    <th scope="row" className="py-1 pr-3 font-normal">
                      {rowLabelOf(b, step)}
                    </th>
                    {series.map((s) => (
                      <td key={s.key} className="py-1 pr-3">
                        {s.values[i] === null ? "—" : format(s.values[i]!)}
                      </td>
                    ))}
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

function Axes({
  width,
  buckets,
  ticks,
  y,
  format,
  step = "hour",
}: {
  width: number;
  buckets: string[];
  ticks: number[];
  y: (v: number) => number;
  format: (v: number) => string;
  step?: BucketStep;
}) {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const band = plotWidth / buckets.length;
  // Label every k-th bucket so labels never crowd (about 44 px each): hours on round hours, days
  // counted back from the newest.
  const every = [1, 2, 3, 4, 6, 12].find((k) => (buckets.length / k) * 44 <= plotWidth) ?? 12;
  const labelled = (b: string, i: number) =>
    step === "hour" ? Number(b.slice(11, 13)) % every === 0 : (buckets.length - 1 - i) % every === 0;
  return (
    <g>
      {ticks.map((tick) => (
        <g key={tick}>
          <line
            x1={MARGIN.left}
            x2={width - MARGIN.right}
            y1={y(tick)}
            y2={y(tick)}
            className="stroke-slate-200 dark:stroke-slate-800"
            strokeWidth={1}
          />
          <text
            x={MARGIN.left - 6}
            y={y(tick)}
            dy="0.32em"
            textAnchor="end"
            className="fill-slate-500 dark:fill-slate-400"
          >
            {format(tick)}
          </text>
        </g>
      ))}
      {buckets.map((b, i) => {
        if (!labelled(b, i)) return null;
        const x = MARGIN.left + i * band + band / 2;
        // A label centred on the last bucket would run off the right edge: end-align it there.
        const anchor = x + 18 > width ? "end" : "middle";
        return (
          <text
            key={b}
            x={anchor === "end" ? width - 1 : x}
            y={HEIGHT - 6}
            textAnchor={anchor}
            className="fill-slate-500 dark:fill-slate-400"
          >
            {labelOf(b, step)}
          </text>
        );
      })}
    </g>
  );
}

/** Value → vertical position in the plot: 0 at the bottom axis, `max` at the top. */
function yScale(max: number) {
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  return (v: number) => MARGIN.top + plotHeight - (v / max) * plotHeight;
}

/** Counts per hour, one stacked segment per series. */
export function StackedBarChart(props: ChartProps) {
  const { buckets, series, format, unit } = props;
  const totals = buckets.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const { max, ticks } = niceScale(Math.max(0, ...totals), true);
  const y = yScale(max);
  return (
    <Frame {...props}>
      {(width) => {
        const band = (width - MARGIN.left - MARGIN.right) / buckets.length;
        const barWidth = Math.max(2, band * 0.7);
        return (
          <>
            <Axes width={width} buckets={buckets} ticks={ticks} y={y} format={format} step={props.step} />
            {buckets.map((b, i) => {
              let base = 0;
              return (
                <g key={b}>
                  {series.map((s) => {
                    const v = s.values[i] ?? 0;
                    if (v <= 0) return null;
                    const top = y(base + v);
                    const height = y(base) - top;
                    base += v;
                    return (
                      <rect
                        key={s.key}
                        x={MARGIN.left + i * band + (band - barWidth) / 2}
                        y={top}
                        width={barWidth}
                        height={Math.max(1, height)}
                        className={colorOf(s.color)}
                        fill="currentColor"
                      >
                        <title>{`${labelOf(b, props.step ?? "hour")} UTC · ${s.label}: ${format(v)} ${unit}`}</title>
                      </rect>
                    );
                  })}
                </g>
              );
            })}
          </>
        );
      }}
    </Frame>
  );
}

/** A rate per hour, one line per series; hours without data break the line. */
export function LineChart(props: ChartProps) {
  const { buckets, series, format, unit } = props;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const { max, ticks } = niceScale(Math.max(0, ...all), false);
  const y = yScale(max);
  return (
    <Frame {...props}>
      {(width) => {
        const band = (width - MARGIN.left - MARGIN.right) / buckets.length;
        const x = (i: number) => MARGIN.left + i * band + band / 2;
        return (
          <>
            <Axes width={width} buckets={buckets} ticks={ticks} y={y} format={format} step={props.step} />
            {series.map((s) => {
              let d = "";
              let drawing = false;
              s.values.forEach((v, i) => {
                if (v === null) {
                  drawing = false;
                  return;
                }
                d += `${drawing ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
                drawing = true;
              });
              return (
                <g key={s.key} className={colorOf(s.color)}>
                  <path d={d} fill="none" stroke="currentColor" strokeWidth={2} strokeLinejoin="round" />
                  {s.values.map((v, i) =>
                    v === null ? null : (
                      <circle key={i} cx={x(i)} cy={y(v)} r={3} fill="currentColor">
                        <title>{`${labelOf(buckets[i]!, props.step ?? "hour")} UTC · ${s.label}: ${format(v)} ${unit}`}</title>
                      </circle>
                    ),
                  )}
                </g>
              );
            })}
          </>
        );
      }}
    </Frame>
  );
}
