// A text area with a live character counter: over the limit it says so and is marked invalid.
import { useId, useRef } from "react";
import { cx, fieldClass, formatCount, Label } from "~/components/ui";
import { useAdoptTypedText } from "~/hooks/use-hydrated";

export function LimitedTextArea({
  label,
  limit,
  limitMessage,
  value,
  onValueChange,
  hint,
  className,
  ...props
}: Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange"> & {
  label: string;
  limit: number;
  limitMessage: string;
  value: string;
  onValueChange: (value: string) => void;
  hint?: React.ReactNode;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  useAdoptTypedText(ref, value, onValueChange);
  const over = value.length > limit;
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <textarea
        ref={ref}
        id={id}
        value={value}
        onChange={(e) => onValueChange(e.target.value)}
        aria-invalid={over || undefined}
        aria-describedby={`${id}-count`}
        className={cx(fieldClass(), "mt-1 min-h-48 resize-y", className)}
        {...props}
      />
      <div className="mt-1 flex flex-wrap items-start justify-between gap-x-4 gap-y-1 text-xs">
        <span className="text-slate-500 dark:text-slate-400">{hint}</span>
        <CharCount id={`${id}-count`} length={value.length} limit={limit} limitMessage={limitMessage} />
      </div>
    </div>
  );
}

/** "1,234 / 5,000 characters", or over the limit the limit's message (announced politely). */
export function CharCount({
  id,
  length,
  limit,
  limitMessage,
  unit = "characters",
}: {
  id?: string;
  length: number;
  limit: number;
  limitMessage: string;
  unit?: string;
}) {
  const over = length > limit;
  return (
    <span
      id={id}
      aria-live="polite"
      className={
        over ? "font-medium text-red-600 dark:text-red-400" : "text-slate-500 tabular-nums dark:text-slate-400"
      }
    >
      {over ? `${limitMessage} (${formatCount(length)} now)` : `${formatCount(length)} / ${formatCount(limit)} ${unit}`}
    </span>
  );
}
