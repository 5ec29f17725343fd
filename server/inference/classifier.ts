// Sequence classification (sentiment): texts → labels with probabilities. No streaming, no cache:
// texts are tokenised as untrusted input, right-padded into one batch per chunk and run once.

import * as ort from "onnxruntime-node";
import type { ClassifierGraph } from "./graph-check";
import type { LoomTokenizer } from "./tokenizer";

export interface LabelScore {
  label: string;
  score: number;
}

export interface Classification {
  /** The most probable label. */
  label: string;
  /** Its probability. */
  score: number;
  /** Every label with its probability, most probable first. */
  scores: LabelScore[];
  /** Raw logits in class-index order (as config.json's id2label numbers them). */
  logits: number[];
  /** Tokens the model saw (after truncation). */
  tokens: number;
}

const BATCH = 16;

export class ClassifierRunner {
  /** Runs are serialised: a session.run holds the thread anyway, and order stays predictable. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly session: ort.InferenceSession,
    readonly graph: ClassifierGraph,
    readonly tokenizer: LoomTokenizer,
    readonly labels: readonly string[],
    readonly maxTokens: number,
    readonly padTokenId: number,
  ) {}

  classify(texts: readonly string[]): Promise<Classification[]> {
    const run = this.queue.then(() => this.classifyNow(texts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async classifyNow(texts: readonly string[]): Promise<Classification[]> {
    const results: Classification[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const chunk = texts.slice(i, i + BATCH);
      const encoded = chunk.map((t) => {
        const ids = this.tokenizer.encodeUntrusted(t, { addSpecialTokens: true });
        return ids.length > this.maxTokens ? ids.slice(0, this.maxTokens) : ids;
      });
      for (const ids of encoded) if (ids.length === 0) ids.push(this.padTokenId);
      results.push(...(await this.runBatch(encoded)));
      // Let the event loop breathe between chunks of a long list.
      if (i + BATCH < texts.length) await new Promise<void>((r) => setImmediate(r));
    }
    return results;
  }

  private async runBatch(encoded: number[][]): Promise<Classification[]> {
    const B = encoded.length;
    const S = Math.max(...encoded.map((e) => e.length));
    const ids = new BigInt64Array(B * S).fill(BigInt(this.padTokenId));
    const mask = new BigInt64Array(B * S);
    encoded.forEach((row, b) => {
      row.forEach((id, s) => {
        ids[b * S + s] = BigInt(id);
        mask[b * S + s] = 1n;
      });
    });
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor("int64", ids, [B, S]) };
    if (this.session.inputNames.includes("attention_mask"))
      feeds.attention_mask = new ort.Tensor("int64", mask, [B, S]);
    if (this.graph.hasTokenTypeIds) feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(B * S), [B, S]);
    const out = await this.session.run(feeds);
    const logits = out.logits as ort.Tensor;
    const data = logits.data as Float32Array;
    const C = logits.dims[logits.dims.length - 1]!;
    return encoded.map((row, b) => {
      const raw = Array.from(data.subarray(b * C, (b + 1) * C));
      const max = Math.max(...raw);
      const exps = raw.map((v) => Math.exp(v - max));
      const sum = exps.reduce((a, v) => a + v, 0);
      const scores = exps
        .map((e, c) => ({ label: this.labels[c] ?? `LABEL_${c}`, score: e / sum }))
        .sort((a, b2) => b2.score - a.score);
      return { label: scores[0]!.label, score: scores[0]!.score, scores, logits: raw, tokens: row.length };
    });
  }
}
