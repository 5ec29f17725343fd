// What a task needs to know of the model that serves it, whether the model runs here (a folder
// loaded by the engine) or on a remote engine (an OpenAI-compatible endpoint): its context, how
// to count a prompt's tokens, the prompt wording, the languages it translates, what it can do.
// The tasks (server/apps) read this, never the engine, so both kinds serve every app.
import type { ModelMessage } from "ai";
import type { RemoteEndpoint } from "../../db/schema";
import path from "node:path";
import type { LoadedGenerator } from "../inference";
import { fimPromptParts, fimTokensOf, type CodeWindow } from "./code-window";
import { languageName } from "./languages";
import { DEFAULT_PROMPTS, readModelPrompts, seq2seqPrompts, type AppPrompts } from "./prompts";
import { languageOffer, type LanguageOffer } from "./translate-offer";

export interface ModelDescription {
  id: string;
  /** For people, in messages ("Loom Chat reads at most …"). */
  name: string;
  source: "local" | "remote";
  /** Tokens the model reads, prompt and answer together (an encoder-decoder: the prompt alone). */
  maxPositions: number;
  /**
   * "own": an encoder-decoder, whose answer is the decoder's and takes no room from the prompt's
   * maxPositions (decision 037). Unset: the answer shares the context with the prompt.
   */
  answerRoom?: "shared" | "own";
  /** Tokens of `messages` as the model reads them, chat template and generation prompt included. */
  countTokens(messages: readonly ModelMessage[]): number;
  /**
   * The token ids `countTokens` counted, for a model whose tokenizer is here (local): handed to
   * the engine (`providerOptions.loom.promptIds`) so that a fitted prompt is not tokenised again.
   */
  promptIds?(messages: readonly ModelMessage[]): number[];
  /**
   * "tokenizer": the model's own tokenizer and template, exact. "estimate": no tokenizer here (a
   * remote engine), so an upper bound (remoteTokenEstimate): prompts fit, at the cost of room.
   */
  tokenCount: "tokenizer" | "estimate";
  /** Loom's task prompts: the folder's loom-prompts.json, or the defaults. */
  prompts: AppPrompts;
  /** The languages and directed pairs Translate offers with it. */
  languages: LanguageOffer;
  /**
   * A fill-in-the-middle prompt as token ids (the sentinels as special tokens, the code as
   * untrusted text): only a local model that declares `loom.fim`, whose tokenizer is here.
   */
  fimPromptIds?: (window: CodeWindow) => number[];
  /**
   * Tokens of plain text alone (no template, no special tokens), with the tokenizer here: a
   * local model only. Code fitting sums it per line for a first guess (code-window.ts).
   */
  countText?: (text: string) => number;
  capabilities: {
    /** Reads role messages through a chat template (the remote applies its own). */
    chat: boolean;
    /** Declares fill-in-the-middle sentinels (config.json loom.fim). */
    fim: boolean;
  };
}

/**
 * What a loaded copy's folder says (prompts, languages), read once per copy: every request
 * describes its model, and reading loom-prompts.json each time was a file read and a zod parse
 * on the main thread per request (decision 034). A new revision is a new copy, read afresh.
 */
const folderFacts = new WeakMap<LoadedGenerator, { prompts: AppPrompts; languages: LanguageOffer }>();

function factsOf(model: LoadedGenerator) {
  let facts = folderFacts.get(model);
  if (!facts) {
    const defaults = model.kind === "seq2seq" ? seq2seqPrompts(model.folder.modelType) : DEFAULT_PROMPTS;
    facts = {
      prompts: readModelPrompts(model.dir, defaults),
      languages: languageOffer(model.folder.config, path.basename(model.dir)),
    };
    folderFacts.set(model, facts);
  }
  return facts;
}

/** A model the engine loaded from a folder: its tokenizer counts exactly. */
export function describeLocalModel(model: LoadedGenerator, name?: string): ModelDescription {
  const loom = (model.folder.config.loom ?? {}) as { display_name?: unknown };
  const fim = fimTokensOf(model.folder.config);
  const encode = (messages: readonly ModelMessage[]) =>
    model.encodePrompt({ messages: messages.map((m) => ({ role: m.role, content: String(m.content) })) });
  return {
    id: model.id,
    name: name ?? (typeof loom.display_name === "string" ? loom.display_name : model.id),
    source: "local",
    maxPositions: model.maxPositions,
    ...(model.kind === "seq2seq" && { answerRoom: "own" as const }),
    countTokens: (messages) => encode(messages).length,
    promptIds: encode,
    tokenCount: "tokenizer",
    ...factsOf(model),
    countText: (text: string) => model.tokenizer.encodeUntrusted(text, { addSpecialTokens: false }).length,
    ...(fim &&
      model.kind === "causal-lm" && {
        fimPromptIds: (window: CodeWindow) =>
          model.tokenizer.encodeParts(fimPromptParts(window, fim), { addSpecialTokens: false }),
      }),
    capabilities: { chat: model.chatTemplate !== undefined, fim: fim !== undefined },
  };
}

/** Template tokens Loom allows per message (role markers, separators) and for the generation prompt. */
const PER_MESSAGE_TOKENS = 8;
const PROMPT_TOKENS = 8;

/**
 * Tokens of a prompt on an engine whose tokenizer Loom does not have: one per UTF-8 byte, plus
 * the template's. Byte-level BPE (GPT-2, Llama 3, Qwen) and SentencePiece with byte fallback
 * never make more tokens than bytes, so this bounds them; English prose takes about 4 bytes per
 * token, so a remote model reads roughly a quarter of what its context could hold.
 */
export function remoteTokenEstimate(messages: readonly ModelMessage[]): number {
  let tokens = PROMPT_TOKENS;
  for (const m of messages) tokens += PER_MESSAGE_TOKENS + Buffer.byteLength(String(m.content), "utf8");
  return tokens;
}

/** A remote engine's model: the context and languages its row declares, Loom's default prompts. */
export function describeRemoteModel(
  row: { id: string; displayName: string },
  endpoint: RemoteEndpoint,
): ModelDescription {
  const codes = endpoint.languages ?? [];
  return {
    id: row.id,
    name: row.displayName,
    source: "remote",
    maxPositions: endpoint.contextTokens,
    countTokens: remoteTokenEstimate,
    tokenCount: "estimate",
    prompts: DEFAULT_PROMPTS,
    languages: {
      languages: Object.fromEntries(codes.map((code) => [code, languageName(code)])),
      // A general model translates between any two of its languages.
      pairs: codes.flatMap((a) => codes.filter((b) => b !== a).map((b): [string, string] => [a, b])),
    },
    // Remote engines are sent messages (/v1/chat/completions): no FIM through them.
    capabilities: { chat: true, fim: false },
  };
}
