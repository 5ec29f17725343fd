// The five applications as the UI presents them. Shared by navigation, the home page and each page.
import { APP_TITLES, type AppName } from "../server/apps";

export interface AppInfo {
  name: AppName;
  title: string;
  path: string;
  blurb: string;
}

export const APP_INFO: Record<AppName, AppInfo> = {
  chat: {
    name: "chat",
    title: APP_TITLES.chat,
    path: "/chat",
    blurb: "Talk with an assistant; your conversations are kept.",
  },
  summarize: {
    name: "summarize",
    title: APP_TITLES.summarize,
    path: "/summarize",
    blurb: "Paste a text, get the gist.",
  },
  translate: {
    name: "translate",
    title: APP_TITLES.translate,
    path: "/translate",
    blurb: "Translate pasted text between languages.",
  },
  code: { name: "code", title: APP_TITLES.code, path: "/code", blurb: "Complete code snippets as you write." },
  sentiment: {
    name: "sentiment",
    title: APP_TITLES.sentiment,
    path: "/sentiment",
    blurb: "Label texts as positive or negative.",
  },
};

export const APP_LIST = Object.values(APP_INFO);
