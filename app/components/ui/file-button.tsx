import { buttonClass } from "./button";
import { cx } from "./classes";

type FileButtonProps = Omit<React.InputHTMLAttributes<HTMLInputElement>, "type" | "className" | "onChange"> & {
  /** The files chosen; the input is cleared after, so choosing the same file again counts again. */
  onFiles: (files: File[]) => void;
  className?: string;
  children: React.ReactNode;
};

/**
 * A file picker that looks like a secondary button: the label is the button (its text is the
 * input's accessible name), the input hides inside it and lends it its focus ring.
 */
export function FileButton({ onFiles, disabled, className, children, ...input }: FileButtonProps) {
  return (
    <label
      className={cx(
        buttonClass("secondary"),
        "relative cursor-pointer focus-within:ring-2 focus-within:ring-brand-500 focus-within:ring-offset-2 dark:focus-within:ring-offset-slate-950",
        disabled && "pointer-events-none opacity-50",
        className,
      )}
    >
      <input
        type="file"
        className="sr-only"
        disabled={disabled}
        {...input}
        onChange={(e) => {
          // Copied before the input is cleared: clearing empties its live FileList.
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = "";
          onFiles(files);
        }}
      />
      {children}
    </label>
  );
}
