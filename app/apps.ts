// The five applications as the UI presents them. Shared by navigation, the home page and each page.
import type { AppName } from "../db/schema";

export interface AppInfo {
  name: AppName;
  title: string;
  path: string;
  blurb: string;
}

export const APP_INFO: Record<AppName, AppInfo> = {
  chat: { name: "chat", title: "Chat", path: "/chat", blurb: "Talk with an assistant; your conversations are kept." },
  summarize: { name: "summarize", title: "Summarise", path: "/summarize", blurb: "Paste a text, get the gist." },
  translate: {
    name: "translate",
    title: "Translate",
    path: "/translate",
    blurb: "Translate pasted text between languages.",
  },
  code: { name: "code", title: "Code", path: "/code", blurb: "Complete code snippets as you write." },
  sentiment: {
    name: "sentiment",
    title: "Sentiment",
    path: "/sentiment",
    blurb: "Label texts as positive or negative.",
  },
};

export const APP_LIST = Object.values(APP_INFO);
