import type { AppName } from "../db/schema";

/** Application names as users read them, for messages written on the server. */
export const APP_TITLES: Record<AppName, string> = {
  chat: "Chat",
  summarize: "Summarise",
  translate: "Translate",
  code: "Code",
  sentiment: "Sentiment",
};
