// Chat probes: does the model answer in the language it is spoken to, and on topic? Decoded
// greedily like the other evaluations, and also as the chat app samples, since that is what users read.
import type { ChatMessage, LoadedCausalLM } from "../inference/index";
import { chatDecoding } from "../apps/chat";
import { readModelPrompts, type AppPrompts } from "../apps/prompts";
import { detectLanguage } from "../apps/language-detection";
import { languageOffer } from "../apps/translate";
import { mean, pct } from "./metrics";
import { greedyReply, mapConcurrent, replyText, type Sample } from "./replies";

/**
 * Short messages in each language the model declares (none of them in the training data). The
 * reply should be in the same language and on topic; "on topic" is approximated by the reply
 * using one of a few words that an answer to it would contain (a word starting with one of them;
 * for Chinese, which has no spaces, anywhere).
 */
export const CHAT_PROBES: Record<string, { text: string; topic: string[] }[]> = {
  en: [
    { text: "Hello! How are you today?", topic: ["hello", "fine", "good", "well", "help"] },
    { text: "Could you tell me your name?", topic: ["loom", "name"] },
    { text: "Can you help me plan a short walk in the park?", topic: ["walk", "park"] },
    { text: "What do you like to eat for breakfast?", topic: ["breakfast", "eat", "food", "egg", "bread", "coffee"] },
    { text: "Tell me something about the weather.", topic: ["weather", "rain", "sun", "cloud", "wind", "internet"] },
    { text: "Why is the sky blue?", topic: ["sky", "blue", "light", "sun"] },
  ],
  zh: [
    { text: "你好！你今天怎么样？", topic: ["好", "谢谢"] },
    { text: "你叫什么名字？", topic: ["loom", "名字", "叫"] },
    { text: "我想学中文，你能帮我吗？", topic: ["中文", "学", "帮"] },
    { text: "你喜欢吃什么？", topic: ["吃", "喜欢", "饭", "菜"] },
    { text: "今天天气怎么样？", topic: ["天气", "雨", "晴", "网"] },
    { text: "你会做什么？", topic: ["可以", "会", "翻译", "聊天", "总结", "代码"] },
  ],
  de: [
    { text: "Hallo! Wie geht es dir heute?", topic: ["gut", "hallo", "geht", "danke"] },
    { text: "Wie heißt du?", topic: ["loom", "heiße", "name"] },
    { text: "Kannst du mir bei meinen Hausaufgaben helfen?", topic: ["hausaufgabe", "helfen", "gern", "ja"] },
    { text: "Was isst du gern zum Frühstück?", topic: ["frühstück", "esse", "brot", "kaffee", "müsli"] },
    { text: "Wie ist das Wetter heute?", topic: ["wetter", "regen", "sonne", "internet", "fenster"] },
    { text: "Was kannst du für mich tun?", topic: ["kann", "helfen", "übersetzen", "code", "zusammenfassen"] },
  ],
};

/** "zh" when most letters are Han characters, else the detector's guess if it is a candidate. */
export function replyLanguage(text: string, candidates: string[]): string | undefined {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  const han = letters.filter((c) => /\p{Script=Han}/u.test(c)).length;
  if (letters.length && han / letters.length >= 0.5) return "zh";
  const guess = detectLanguage(text).language;
  return guess && guess !== "zh" && candidates.includes(guess) ? guess : undefined;
}

export interface ChatLanguageEval {
  decoding: ProbeDecoding;
  /** Replies scored: one per probe (greedy) or one per probe and seed (app). */
  n: number;
  /** % of replies in the language of the message. */
  same_language: number;
  per_language: Record<string, number>;
  /** % of replies that use one of the message's topic words. */
  on_topic: number;
  samples: Sample[];
}

/** A word of `text` starts with `word` (case-insensitive); Chinese words match anywhere. */
export function mentions(text: string, word: string): boolean {
  if (/\p{Script=Han}/u.test(word)) return text.includes(word);
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}])${escaped}`, "iu").test(text);
}

/**
 * How the probes are decoded: greedy (reproducible, what the other tasks use), or as the chat app
 * samples its replies (chatDecoding), once per fixed seed, so the score is what users meet.
 */
export type ProbeDecoding = "greedy" | "app";
export const PROBE_SEEDS = [1, 2, 3];
const PROBE_MAX_TOKENS = 64;

async function probeReplies(model: LoadedCausalLM, messages: ChatMessage[], decoding: ProbeDecoding) {
  if (decoding === "greedy") return [await greedyReply(model, messages, PROBE_MAX_TOKENS)];
  const { temperature, topP } = chatDecoding;
  const replies: string[] = [];
  for (const seed of PROBE_SEEDS) {
    replies.push(await replyText(model, { messages, temperature, topP, seed, maxNewTokens: PROBE_MAX_TOKENS }));
  }
  return replies;
}

/** Does the model answer in the language it is spoken to, and on topic? (chat prompt.) */
export async function evaluateChatLanguage(
  model: LoadedCausalLM,
  decoding: ProbeDecoding = "greedy",
  prompts: AppPrompts = readModelPrompts(model.dir),
): Promise<ChatLanguageEval> {
  const declared = Object.keys(languageOffer(model.folder.config).languages);
  const languages = Object.keys(CHAT_PROBES).filter((l) => declared.length === 0 || declared.includes(l));
  const probes = languages.flatMap((language) => CHAT_PROBES[language]!.map((probe) => ({ language, ...probe })));
  const system = prompts.chat.system ? [{ role: "system" as const, content: prompts.chat.system }] : [];
  const perProbe = await mapConcurrent(probes, 16, (c) =>
    probeReplies(model, [...system, { role: "user", content: c.text }], decoding),
  );
  const cases = probes.flatMap((c, i) => perProbe[i]!.map(() => c));
  const replies = perProbe.flat();
  const sameLanguage = cases.map((c, i) => (replyLanguage(replies[i]!, languages) === c.language ? 1 : 0));
  const onTopic = cases.map((c, i) => (c.topic.some((w) => mentions(replies[i]!, w)) ? 1 : 0));
  return {
    decoding,
    n: cases.length,
    same_language: pct(mean(sameLanguage)),
    per_language: Object.fromEntries(
      languages.map((l) => [l, pct(mean(sameLanguage.filter((_, i) => cases[i]!.language === l)))]),
    ),
    on_topic: pct(mean(onTopic)),
    samples: cases.map((c, i) => ({ input: c.text, reference: c.language, output: replies[i]! })),
  };
}
