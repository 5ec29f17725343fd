// The one button of the app, in six variants and two sizes. `buttonClass` gives the same look to
// what is not a <button>: a link that acts as one, the label of a hidden file input.
import { forwardRef } from "react";
import { cx } from "./classes";

export type ButtonVariant = "primary" | "neutral" | "secondary" | "danger" | "ghost" | "link";
export type ButtonSize = "sm" | "md";

/** Shared by the filled and outlined variants. */
const CONTROL =
  "inline-flex items-center justify-center gap-1 rounded-md font-medium focus:ring-2 focus:outline-none disabled:cursor-not-allowed disabled:opacity-50";

/** At md the focus ring stands off the button, on the page's own background. */
const OFFSET = "focus:ring-offset-2 dark:focus:ring-offset-slate-950";

const FILLED: Record<ButtonSize, string> = {
  sm: "px-2.5 py-1 text-xs",
  md: `px-4 py-2 text-sm ${OFFSET}`,
};

const OUTLINED: Record<ButtonSize, string> = {
  sm: "px-2.5 py-1 text-xs",
  md: `px-3 py-2 text-sm ${OFFSET}`,
};

const CLASSES: Record<ButtonVariant, Record<ButtonSize, string>> = {
  primary: {
    sm: `${CONTROL} ${FILLED.sm} bg-brand-600 text-white hover:bg-brand-700 focus:ring-brand-500`,
    md: `${CONTROL} ${FILLED.md} bg-brand-600 text-white hover:bg-brand-700 focus:ring-brand-500`,
  },
  /** Stop: as prominent as the run button it replaces, but not the brand colour. */
  neutral: {
    sm: `${CONTROL} ${FILLED.sm} bg-slate-600 text-white hover:bg-slate-700 focus:ring-brand-500`,
    md: `${CONTROL} ${FILLED.md} bg-slate-600 text-white hover:bg-slate-700 focus:ring-brand-500`,
  },
  secondary: {
    sm: `${CONTROL} ${OUTLINED.sm} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 focus:ring-brand-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800`,
    md: `${CONTROL} ${OUTLINED.md} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 focus:ring-brand-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800`,
  },
  danger: {
    sm: `${CONTROL} ${OUTLINED.sm} border border-red-300 bg-white text-red-700 hover:bg-red-50 focus:ring-red-500 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950`,
    md: `${CONTROL} ${OUTLINED.md} border border-red-300 bg-white text-red-700 hover:bg-red-50 focus:ring-red-500 dark:border-red-800 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950`,
  },
  /**
   * No frame, a tint on hover. The small one sits on tinted surfaces (code blocks, panel headers),
   * so its tint is a shade darker.
   */
  ghost: {
    sm: "rounded px-2 py-0.5 hover:bg-slate-200 dark:hover:bg-slate-700",
    md: "rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800",
  },
  /** Looks like a link; at md it takes the size of the text around it. */
  link: {
    sm: "text-xs text-brand-600 underline dark:text-brand-500",
    md: "text-brand-600 underline dark:text-brand-500",
  },
};

/** The classes of a button of this variant and size, for elements that are not a <button>. */
export function buttonClass(variant: ButtonVariant = "primary", size: ButtonSize = "md"): string {
  return CLASSES[variant][size];
}

export type ButtonProps = React.ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
};

/** A <button>; `className` adds layout (width, margins), it should not restyle the variant. */
export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { variant = "primary", size = "md", className, ...props },
  ref,
) {
  return <button ref={ref} className={cx(buttonClass(variant, size), className)} {...props} />;
});
