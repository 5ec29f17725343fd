import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "./button";

/** Copies a text to the clipboard and says so for a moment. */
export function CopyButton({
  text,
  label = "Copy",
  className = "text-slate-600 dark:text-slate-300",
}: {
  text: string;
  label?: string;
  /** Its colours: the default suits a light or dark page; a tinted surface passes its own. */
  className?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      type="button"
      variant="ghost"
      size="sm"
      className={`inline-flex items-center gap-1 text-xs ${className}`}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      {copied ? <Check aria-hidden="true" className="size-3.5" /> : <Copy aria-hidden="true" className="size-3.5" />}
      {copied ? "Copied" : label}
    </Button>
  );
}
