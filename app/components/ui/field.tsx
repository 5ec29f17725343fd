// The one look of text inputs, selects and text areas, with their label and error message, so
// every form reads the same. md for forms, sm for editors inside a table row.
import { useId } from "react";
import { cx } from "./classes";

export type FieldSize = "sm" | "md";

const FIELD: Record<FieldSize, string> = {
  sm: "block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:opacity-60 aria-invalid:border-red-500 dark:border-slate-700 dark:bg-slate-900 dark:aria-invalid:border-red-400",
  md: "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:opacity-60 aria-invalid:border-red-500 dark:border-slate-700 dark:bg-slate-900 dark:aria-invalid:border-red-400",
};

/** The classes of an input, select or text area of this size. */
export function fieldClass(size: FieldSize = "md"): string {
  return FIELD[size];
}

export function Label({
  size = "md",
  className,
  ...props
}: React.LabelHTMLAttributes<HTMLLabelElement> & { size?: FieldSize }) {
  return <label className={cx("block font-medium", size === "sm" ? "text-xs" : "text-sm", className)} {...props} />;
}

/** The message under an invalid field; its id is what the field's aria-describedby names. */
export function FieldError({ id, children }: { id: string; children: React.ReactNode }) {
  return (
    <p id={id} className="mt-1 text-sm text-red-600 dark:text-red-400">
      {children}
    </p>
  );
}

type TextFieldProps = React.InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string };

export function TextField({ label, error, className, ...props }: TextFieldProps) {
  const id = useId();
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <input
        id={id}
        className={cx(fieldClass(), "mt-1", className)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...props}
      />
      {error && <FieldError id={`${id}-error`}>{error}</FieldError>}
    </div>
  );
}

type SelectProps = React.SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  options: { value: string; label: string }[];
};

export function Select({ label, options, className, ...props }: SelectProps) {
  const id = useId();
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <select id={id} className={cx(fieldClass(), "mt-1", className)} {...props}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
