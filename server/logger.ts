// Structured logs: one JSON object per line on stdout, so any log shipper can read them.
// Callers pass fields, never secrets: passwords, cookies and DATABASE_URL are not logged anywhere.
type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.LOG_LEVEL as Level | undefined) ?? "info"] ?? LEVELS.info;

/**
 * An error as logged: name, message and stack. What a user typed stays out: a failed query
 * (drizzle's "Failed query: … params: …") is logged without its parameters, with its cause (the
 * database's error) but not the value that quotes (`invalid input syntax for type uuid: "…"`).
 */
function loggedError(error: Error): Record<string, unknown> {
  if ("params" in error) {
    const cut = error.message.indexOf("\nparams: ");
    const message = cut >= 0 ? `${error.message.slice(0, cut)}\nparams: (not logged)` : error.message;
    return {
      name: error.name,
      message,
      stack: error.stack?.replace(error.message, message),
      ...(error.cause !== undefined && { cause: databaseError(error.cause) }),
    };
  }
  return { name: error.name, message: error.message, stack: error.stack };
}

/** PostgreSQL's error: its code, where it happened, and its message up to a quoted value. */
function databaseError(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const { code, constraint, table, column } = cause as Error & Record<string, unknown>;
  const quoted = cause.message.indexOf(': "');
  return {
    name: cause.name,
    message: quoted >= 0 ? `${cause.message.slice(0, quoted)}: (value not logged)` : cause.message,
    code,
    constraint,
    table,
    column,
  };
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (LEVELS[level] < threshold) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? loggedError(value) : value,
  );
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
export type Logger = typeof logger;

// The AI SDK prints the warnings a model returns (an unsupported setting, say) as plain text on
// the console; they come here instead, as JSON at debug level.
globalThis.AI_SDK_LOG_WARNINGS = ({ warnings, provider, model }) =>
  logger.debug("AI SDK warning", { warnings, provider, model });
