// Scores loaded models on the validation split through the engine, with the prompts the apps
// send (the task modules and the model's loom-prompts.json), greedy decoding, and the metric
// definitions of training/evaluate.py, so both report comparable numbers for the same rows. The
// chat probes are also decoded as the chat app samples, since that is what users read.
//
// Example counts and output caps follow training/evaluate.py: translation 150 per Tatoeba
// direction and 100 per Multi30k one, 100 BBC and 100 short summaries, 200 code cuts, 200 replies
// per task for perplexity (`quick` uses a few of each).
import type { ChatMessage, GenerateRequest, LoadedCausalLM, LoadedClassifier } from "../inference/index";
import { chatDecoding } from "../tasks/chat";
import { CODE_LANGUAGES, codeMessages, type CodeInput } from "../tasks/code";
import { readModelPrompts, type TaskPrompts } from "../tasks/prompts";
import { summarizeHierarchically, summarizeMessages, summaryInputBudget } from "../tasks/summarize";
import { detectLanguage, languageOffer, translateMessages } from "../tasks/translate";
import { bleu, chrF, editSimilarity, mean, rouge, type RougeScores } from "./metrics";
import type { ChatRow, SentimentRow } from "./validation-split";

export interface EvalSize {
  translateTatoeba: number;
  translateOther: number;
  summaries: number;
  code: number;
  perplexity: number;
}

export const FULL: EvalSize = {
  translateTatoeba: 150,
  translateOther: 100,
  summaries: 100,
  code: 200,
  perplexity: 200,
};
export const QUICK: EvalSize = { translateTatoeba: 24, translateOther: 24, summaries: 20, code: 40, perplexity: 24 };

/** At most `limit` calls of `fn` in flight (the engine batches them), results in input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The finished text of one generation; the text the app would show. */
async function replyText(model: LoadedCausalLM, request: GenerateRequest): Promise<string> {
  for await (const event of model.generate(request)) {
    if (event.type === "finish") return event.text;
  }
  throw new Error("the generation ended without a finish event");
}

/** Greedy decoding of a reply to `messages`. */
export function greedyReply(
  model: LoadedCausalLM,
  messages: ChatMessage[],
  maxNewTokens: number,
  stopSequences?: string[],
): Promise<string> {
  return replyText(model, { messages, temperature: 0, maxNewTokens, stopSequences });
}

/** The task modules build AI SDK messages; system and user contents there are plain strings. */
function asChat(messages: { role: string; content: unknown }[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role as ChatMessage["role"], content: String(m.content) }));
}

const lastReply = (row: ChatRow) => row.messages.at(-1)!.content;
const userText = (row: ChatRow) => row.messages.find((m) => m.role === "user")!.content;
const pct = (x: number) => 100 * x;

// ------------------------------------------------------------------------------------------

export interface SentimentEval {
  n: number;
  accuracy: number;
  majority_baseline: number;
  per_source: Record<string, { n: number; accuracy: number; majority_baseline: number }>;
}

function majority(labels: number[]): number {
  const positive = mean(labels.map((l) => (l === 1 ? 1 : 0)));
  return Math.max(positive, 1 - positive);
}

/** Accuracy of a classifier whose labels include the split's (0 = negative, 1 = positive). */
export async function evaluateSentiment(model: LoadedClassifier, rows: SentimentRow[]): Promise<SentimentEval> {
  const names = ["negative", "positive"];
  const predicted: number[] = [];
  for (let i = 0; i < rows.length; i += 64) {
    const out = await model.classify(rows.slice(i, i + 64).map((r) => r.text));
    predicted.push(...out.map((c) => names.indexOf(c.label.toLowerCase())));
  }
  const correct = rows.map((r, i) => (predicted[i] === r.label ? 1 : 0));
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const per_source = Object.fromEntries(
    sources.map((source) => {
      const idx = rows.flatMap((r, i) => (r.source === source ? [i] : []));
      return [
        source,
        {
          n: idx.length,
          accuracy: mean(idx.map((i) => correct[i]!)),
          majority_baseline: majority(idx.map((i) => rows[i]!.label)),
        },
      ];
    }),
  );
  return {
    n: rows.length,
    accuracy: mean(correct),
    majority_baseline: majority(rows.map((r) => r.label)),
    per_source,
  };
}

// ------------------------------------------------------------------------------------------

export interface Sample {
  input: string;
  reference: string;
  output: string;
}

export interface TranslationEval {
  n: number;
  chrF: number;
  BLEU: number;
  samples: Sample[];
}

/** chrF and BLEU per direction and data set, e.g. "en→de (tatoeba-en-de)". */
export async function evaluateTranslation(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: TaskPrompts = readModelPrompts(model.dir),
): Promise<Record<string, TranslationEval>> {
  const offer = languageOffer(model.folder.config);
  const groups = new Map<string, { source: string; pair: [string, string]; rows: ChatRow[] }>();
  for (const row of rows) {
    if (row.task !== "translate" || !row.pair) continue;
    const key = `${row.source}\u0000${row.pair.join("\u0000")}`;
    if (!groups.has(key)) groups.set(key, { source: row.source, pair: row.pair, rows: [] });
    groups.get(key)!.rows.push(row);
  }
  const result: Record<string, TranslationEval> = {};
  for (const key of [...groups.keys()].sort()) {
    const { source, pair, rows: all } = groups.get(key)!;
    const picked = all.slice(0, source.startsWith("tatoeba") ? size.translateTatoeba : size.translateOther);
    const outputs = await mapConcurrent(picked, 16, async (row) => {
      const messages = translateMessages({ text: userText(row), source: pair[0], target: pair[1] }, offer, prompts);
      return (await greedyReply(model, asChat(messages), 64)).trim();
    });
    const refs = picked.map(lastReply);
    result[`${pair[0]}→${pair[1]} (${source})`] = {
      n: picked.length,
      chrF: chrF(outputs, refs),
      BLEU: bleu(outputs, refs, { zh: pair[1] === "zh" }),
      samples: picked.slice(0, 5).map((row, i) => ({ input: userText(row), reference: refs[i]!, output: outputs[i]! })),
    };
  }
  return result;
}

// ------------------------------------------------------------------------------------------

export interface SummaryEval {
  bbc?: {
    n: number;
    model: RougeScores;
    lead3: RougeScores;
    mean_words: { model: number; reference: number };
    samples: Sample[];
  };
  short?: { n: number; sources: string[]; model: RougeScores };
}

function meanRouge(scores: RougeScores[]): RougeScores {
  return {
    rouge1: pct(mean(scores.map((s) => s.rouge1))),
    rouge2: pct(mean(scores.map((s) => s.rouge2))),
    rougeL: pct(mean(scores.map((s) => s.rougeL))),
  };
}

const words = (s: string) => s.split(/\s+/u).filter(Boolean).length;

/** ROUGE of the app's "medium" summaries: BBC against lead-3, and the short-summary sets. */
export async function evaluateSummaries(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: TaskPrompts = readModelPrompts(model.dir),
): Promise<SummaryEval> {
  // As the app: a text longer than one prompt can carry is summarised in pieces first.
  const countTokens = (s: string) => model.encodePrompt({ prompt: s }).length;
  const summarize = (picked: ChatRow[], maxOutputTokens: number) =>
    mapConcurrent(picked, 8, async (row) => {
      const reply = (text: string) =>
        greedyReply(model, asChat(summarizeMessages(text, "medium", prompts)), maxOutputTokens);
      const { finalInput } = await summarizeHierarchically({
        text: userText(row),
        maxInputTokens: summaryInputBudget({
          maxPositions: model.maxPositions,
          maxOutputTokens,
          length: "medium",
          prompts,
          countTokens,
        }),
        countTokens,
        summarizePiece: reply,
      });
      return (await reply(finalInput)).trim();
    });
  const result: SummaryEval = {};
  const bbc = rows.filter((r) => r.task === "summarize" && r.source === "bbc").slice(0, size.summaries);
  if (bbc.length) {
    const outputs = await summarize(bbc, 128);
    const refs = bbc.map(lastReply);
    result.bbc = {
      n: bbc.length,
      model: meanRouge(outputs.map((o, i) => rouge(o, refs[i]!))),
      lead3: meanRouge(bbc.map((row, i) => rouge(row.lead3 ?? "", refs[i]!))),
      mean_words: { model: mean(outputs.map(words)), reference: mean(refs.map(words)) },
      samples: bbc.slice(0, 3).map((row, i) => ({ input: userText(row), reference: refs[i]!, output: outputs[i]! })),
    };
  }
  const short = rows.filter((r) => r.task === "summarize" && r.source !== "bbc").slice(0, size.summaries);
  if (short.length) {
    const outputs = await summarize(short, 64);
    result.short = {
      n: short.length,
      sources: [...new Set(short.map((r) => r.source))].sort(),
      model: meanRouge(outputs.map((o, i) => rouge(o, lastReply(short[i]!)))),
    };
  }
  return result;
}

// ------------------------------------------------------------------------------------------

export interface CodeEval {
  n: number;
  model: { exact_match: number; edit_similarity: number };
  repeat_previous_line: { exact_match: number; edit_similarity: number };
  samples: Sample[];
}

function lineScores(candidates: string[], gold: string[]) {
  return {
    exact_match: pct(mean(candidates.map((c, i) => (c.trim() === gold[i]!.trim() ? 1 : 0)))),
    edit_similarity: pct(mean(candidates.map((c, i) => editSimilarity(c, gold[i]!)))),
  };
}

/** The split names code rows by language ("javascript", "python", …). */
function codeLanguage(source: string): CodeInput["language"] {
  const known = CODE_LANGUAGES.find((l) => l === source);
  if (!known) throw new Error(`code row from an unknown language "${source}"`);
  return known;
}

/** The first line the model writes after the cursor vs the true next line. */
export async function evaluateCode(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
  prompts: TaskPrompts = readModelPrompts(model.dir),
): Promise<CodeEval> {
  const picked = rows.filter((r) => r.task === "code" && r.next_line !== undefined).slice(0, size.code);
  const firstLines = await mapConcurrent(picked, 16, async (row) => {
    const messages = codeMessages({ code: userText(row), language: codeLanguage(row.source) }, prompts);
    return greedyReply(model, asChat(messages), 48, ["\n"]);
  });
  const gold = picked.map((r) => r.next_line!);
  return {
    n: picked.length,
    model: lineScores(firstLines, gold),
    repeat_previous_line: lineScores(
      picked.map((r) => r.prev_line ?? ""),
      gold,
    ),
    samples: picked
      .slice(0, 5)
      .map((row, i) => ({ input: userText(row), reference: gold[i]!, output: firstLines[i]! })),
  };
}

// ------------------------------------------------------------------------------------------

export interface PerplexityEval {
  perplexity: Record<string, number>;
  n: Record<string, number>;
}

/**
 * Per task, the perplexity of the final assistant reply (and the end-of-turn token) given the
 * conversation before it, rendered by the model's chat template; rows whose prompt and reply do
 * not fit the context are left out.
 */
export async function evaluatePerplexity(
  model: LoadedCausalLM,
  rows: ChatRow[],
  size: EvalSize,
): Promise<PerplexityEval> {
  const endOfTurn = model.folder.generation.eosTokenIds[0];
  const result: PerplexityEval = { perplexity: {}, n: {} };
  const tasks = [...new Set(rows.map((r) => r.task))];
  for (const task of tasks) {
    const scored: { prompt: number[]; reply: number[] }[] = [];
    for (const row of rows) {
      if (row.task !== task || row.messages.at(-1)!.role !== "assistant") continue;
      const prompt = model.encodePrompt({ messages: row.messages.slice(0, -1) });
      const reply = model.encodePrompt({ prompt: lastReply(row), addSpecialTokens: false });
      if (endOfTurn !== undefined) reply.push(endOfTurn);
      if (prompt.length + reply.length > model.maxPositions) continue;
      scored.push({ prompt, reply });
      if (scored.length === size.perplexity) break;
    }
    let nll = 0;
    let tokens = 0;
    for (const { prompt, reply } of scored) {
      const logProbs = await model.tokenLogProbs(prompt, reply);
      nll -= logProbs.reduce((a, b) => a + b, 0);
      tokens += logProbs.length;
    }
    result.perplexity[task] = tokens ? Math.exp(nll / tokens) : NaN;
    result.n[task] = scored.length;
  }
  return result;
}

// ------------------------------------------------------------------------------------------

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

/** "zh" when most letters are Han characters, else the stop-word guess among the others. */
export function replyLanguage(text: string, candidates: string[]): string | undefined {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  const han = letters.filter((c) => /\p{Script=Han}/u.test(c)).length;
  if (letters.length && han / letters.length >= 0.5) return "zh";
  return detectLanguage(
    text,
    candidates.filter((c) => c !== "zh"),
  );
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
  prompts: TaskPrompts = readModelPrompts(model.dir),
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
