// Boxed messages: errors (role=alert), notices and confirmations (role=status).
import { cx } from "./classes";

export type AlertTone = "error" | "info" | "success";

const TONES: Record<AlertTone, string> = {
  error: "border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200",
  info: "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100",
  success:
    "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
};

/** The box of an alert of this tone, for a message that lives inside another live region. */
export function alertClass(tone: AlertTone): string {
  return `rounded-md border px-4 py-3 text-sm ${TONES[tone]}`;
}

export function Alert({
  tone = "error",
  className,
  children,
}: {
  tone?: AlertTone;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div role={tone === "error" ? "alert" : "status"} className={cx(alertClass(tone), className)}>
      {children}
    </div>
  );
}
