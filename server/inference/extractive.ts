// Extractive summarisers (config.json `loom.kind: "extractive-summarizer"`, e.g. models/loom-extract):
// a graph that scores every sentence of a document at once,
//   input_ids, attention_mask [batch, sentences, tokens] int64 → scores [batch, sentences],
// and the selection on top: the best-scoring sentences, given back in document order. No
// generation, no cache: one run per document (per window of a very long one).

import path from "node:path";
import * as ort from "onnxruntime-node";
import { ModelFolderError } from "./errors";
import { EXTRACTIVE_KIND } from "./extractive-kind";
import type { GraphSignature } from "./graph-check";
import { engineSettings, type LoadModelOptions } from "./load-options";
import type { LoadedModelBase } from "./loaded-model";
import type { ModelFolder } from "./model-folder";
import { checkSessionGraph, loadTokenizer, openModelSession } from "./model-session";
import type { LoomTokenizer } from "./tokenizer";

// The sentence splitter training/sources/summaries.py uses (the same regular expression): a
// sentence ends at . ! or ? (maybe followed by a closing quote or bracket) before whitespace and an
// upper-case letter, digit or currency sign; a line break always ends one.
const SENTENCE_BREAK = /(?:(?<=[.!?])|(?<=[.!?]["')]))\s+(?=["'(]?[A-Z0-9£$])|\n+/;

export function splitSentences(text: string): string[] {
  return text
    .split(SENTENCE_BREAK)
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface ExtractiveSummary {
  /** The chosen sentences, in document order. */
  sentences: string[];
  /** Their indices in `splitSentences(text)`. */
  indices: number[];
  /** Every sentence's score (a logit), in document order. */
  scores: number[];
  /** Tokens the model read (after each sentence's truncation). */
  tokens: number;
}

export interface LoadedExtractiveSummarizer extends LoadedModelBase {
  readonly kind: typeof EXTRACTIVE_KIND;
  /** Tokens of a sentence the model reads; the rest of a longer sentence is not seen. */
  readonly maxSentenceTokens: number;
  /** One score per sentence, in order. */
  score(sentences: readonly string[]): Promise<{ scores: number[]; tokens: number }>;
  /** The `count` best sentences of `text`, in document order (all of them when it has fewer). */
  summarize(text: string, count: number): Promise<ExtractiveSummary>;
}

/** Sentences per run: a very long text is scored in windows, so memory stays bounded. */
const WINDOW = 256;

/** The `count` highest scores' indices, ties to the earlier sentence, in document order. */
export function selectSentences(scores: readonly number[], count: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, count))
    .map((s) => s.index)
    .sort((a, b) => a - b);
}

function checkExtractiveGraph(folder: ModelFolder, graph: GraphSignature) {
  const fail = (message: string, name: string): never => {
    throw new ModelFolderError(folder.dir, folder.onnxFile, message, name);
  };
  for (const name of ["input_ids", "attention_mask"])
    if (!graph.inputNames.includes(name))
      fail(`graph has no input "${name}" (inputs: ${graph.inputNames.join(", ")})`, name);
  for (const name of graph.inputNames)
    if (name !== "input_ids" && name !== "attention_mask")
      fail(`graph input "${name}" is not one Loom feeds to an extractive summariser`, name);
  if (!graph.outputNames.includes("scores"))
    fail(`graph has no output "scores" (outputs: ${graph.outputNames.join(", ")})`, "scores");
  const ids = graph.inputMetadata?.find((m) => m.name === "input_ids");
  if (ids?.isTensor && ids.shape && ids.shape.length !== 3)
    fail(`input "input_ids" has rank ${ids.shape.length}, expected 3 [batch, sentences, tokens]`, "input_ids");
}

class SentenceScoringRunner {
  /** Runs are serialised, as the classifier's: a session.run holds the thread anyway. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: LoomTokenizer,
    readonly maxSentenceTokens: number,
    private readonly padTokenId: number,
  ) {}

  score(sentences: readonly string[]): Promise<{ scores: number[]; tokens: number }> {
    const run = this.queue.then(() => this.scoreNow(sentences));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(sentences: readonly string[]) {
    const encoded = sentences.map((s) => {
      const ids = this.tokenizer.encodeUntrusted(s, { addSpecialTokens: false }).slice(0, this.maxSentenceTokens);
      return ids.length > 0 ? ids : [this.padTokenId];
    });
    const scores: number[] = [];
    for (let start = 0; start < encoded.length; start += WINDOW) {
      scores.push(...(await this.runWindow(encoded.slice(start, start + WINDOW))));
      if (start + WINDOW < encoded.length) await new Promise<void>((r) => setImmediate(r));
    }
    return { scores, tokens: encoded.reduce((n, e) => n + e.length, 0) };
  }

  private async runWindow(encoded: number[][]): Promise<number[]> {
    const N = encoded.length;
    const T = Math.max(...encoded.map((e) => e.length));
    const ids = new BigInt64Array(N * T).fill(BigInt(this.padTokenId));
    const mask = new BigInt64Array(N * T);
    encoded.forEach((row, n) =>
      row.forEach((id, t) => {
        ids[n * T + t] = BigInt(id);
        mask[n * T + t] = 1n;
      }),
    );
    const out = await this.session.run({
      input_ids: new ort.Tensor("int64", ids, [1, N, T]),
      attention_mask: new ort.Tensor("int64", mask, [1, N, T]),
    });
    return Array.from((out.scores as ort.Tensor).data as Float32Array);
  }
}

export async function loadExtractiveSummarizerFolder(
  folder: ModelFolder,
  options: LoadModelOptions,
): Promise<LoadedExtractiveSummarizer> {
  const id = options.id ?? path.basename(folder.dir);
  const tokenizer = loadTokenizer(folder);
  const created = await openModelSession(folder, engineSettings(options).session, [], options.logger);
  await checkSessionGraph(created, (session) => checkExtractiveGraph(folder, session));
  const config = folder.config as { max_sentence_tokens?: unknown };
  const maxSentenceTokens =
    typeof config.max_sentence_tokens === "number" && config.max_sentence_tokens > 0 ? config.max_sentence_tokens : 64;
  const padTokenId = folder.generation.padTokenId ?? tokenizer.padTokenId ?? 0;
  const runner = new SentenceScoringRunner(created.session, tokenizer, maxSentenceTokens, padTokenId);
  let disposed = false;
  const score = (sentences: readonly string[]) => {
    if (disposed) return Promise.reject(new Error(`model ${id} was unloaded`));
    if (sentences.length === 0) return Promise.resolve({ scores: [], tokens: 0 });
    return runner.score(sentences);
  };
  return {
    kind: EXTRACTIVE_KIND,
    id,
    dir: folder.dir,
    device: created.device,
    fallbackReason: created.fallbackReason,
    folder,
    tokenizer,
    maxSentenceTokens,
    score,
    summarize: async (text, count) => {
      const all = splitSentences(text);
      const { scores, tokens } = await score(all);
      const indices = selectSentences(scores, count);
      return { sentences: indices.map((i) => all[i]!), indices, scores, tokens };
    },
    dispose: async () => {
      disposed = true;
      await created.session.release();
    },
  };
}
