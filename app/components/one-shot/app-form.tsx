// The form of a one-shot application page (summarise, translate, code, sentiment) and its run
// button: submitting or Ctrl/Cmd+Enter runs the app, Stop ends the run in flight.
import { Button } from "~/components/ui";
import { useHydrated } from "~/hooks/use-hydrated";

/** The id of the form every app page submits; AppPage's model picker belongs to it. */
export const APP_FORM_ID = "app-form";

/** Ctrl+Enter (Cmd+Enter on a Mac): the run shortcut of every app page. */
export function isRunShortcut(e: React.KeyboardEvent | KeyboardEvent) {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey;
}

/**
 * The form of a one-shot app: submitting or Ctrl/Cmd+Enter runs it; `data-hydrated` tells tests
 * (and styles) that the page is live, so nothing typed before hydration is lost to a native submit.
 */
export function AppForm({
  onRun,
  hydrated,
  className,
  children,
}: {
  onRun: () => void;
  hydrated: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <form
      id={APP_FORM_ID}
      data-hydrated={hydrated || undefined}
      className={className}
      onSubmit={(e) => {
        e.preventDefault();
        onRun();
      }}
      onKeyDown={(e) => {
        if (isRunShortcut(e)) {
          e.preventDefault();
          onRun();
        }
      }}
    >
      {children}
    </form>
  );
}

/**
 * The run button (submits the form) or, while a run is in flight, Stop. They are different
 * elements on purpose (keys): were React to reuse one <button> and flip its type, the click on
 * Stop could end the run, re-render, and then submit the form as the click's default action,
 * starting the run again. Disabled until the page has hydrated.
 */
export function RunOrStop({
  busy,
  label,
  disabled,
  onStop,
}: {
  busy: boolean;
  label: string;
  disabled?: boolean;
  onStop: () => void;
}) {
  // Before hydration the form would submit natively (a GET with the text in the URL).
  const hydrated = useHydrated();
  return busy ? (
    <Button key="stop" type="button" variant="neutral" onClick={onStop}>
      Stop
    </Button>
  ) : (
    <Button key="run" type="submit" disabled={disabled || !hydrated}>
      {label}
    </Button>
  );
}
