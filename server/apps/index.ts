// The five applications: the one list that the database (task_assignments.app, runs.app), the
// registry, the CLI and the UI take their names from. Pure data, so the browser imports it too.

export const APPS = ["chat", "summarize", "translate", "code", "sentiment"] as const;
export type AppName = (typeof APPS)[number];

/** Application names as users read them, for messages written on the server. */
export const APP_TITLES: Record<AppName, string> = {
  chat: "Chat",
  summarize: "Summarise",
  translate: "Translate",
  code: "Code",
  sentiment: "Sentiment",
};
