import { Alert } from "~/components/ui";

/** A failed or refused run: the server's message and a Retry button. */
export function ErrorBanner({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <Alert>
      <div className="flex flex-wrap items-center gap-3">
        <p className="min-w-0 flex-1">{message}</p>
        {onRetry && (
          <button
            type="button"
            onClick={onRetry}
            className="rounded-md border border-red-300 px-3 py-1 text-sm font-medium hover:bg-red-100 dark:border-red-700 dark:hover:bg-red-900"
          >
            Retry
          </button>
        )}
      </div>
    </Alert>
  );
}
