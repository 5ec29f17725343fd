// transformers.js (@huggingface/transformers, a devDependency) set up as the reference peer for
// tests and bench/engine.ts: it reads a model folder from disk and never touches the network.
// Never imported by the server.

import path from "node:path";

export interface PeerRun {
  /** New token ids only. */
  ids: number[];
  /** Milliseconds from the call to the first new token. */
  firstTokenMs: number;
  totalMs: number;
}

export interface PeerModel {
  /**
   * Greedy decoding of `promptIds`. With `stream`, text is detokenised as it comes through
   * transformers.js' own TextStreamer (what a streaming server would do); with `minNewTokens`
   * end-of-sequence is suppressed until then (fixed-length benchmark runs).
   */
  greedy(
    promptIds: readonly number[],
    maxNewTokens: number,
    options?: { stream?: boolean; minNewTokens?: number },
  ): Promise<PeerRun>;
  dispose(): Promise<void>;
}

export interface PeerOptions {
  threads?: number;
  /** How many external data files onnx/model.onnx has (model.onnx_data, model.onnx_data_1 …). */
  externalDataFiles?: number;
}

export async function loadPeerModel(dir: string, options: PeerOptions = {}): Promise<PeerModel> {
  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false; // local files only
  tf.env.allowLocalModels = true;
  tf.env.useFSCache = false; // and no cache written into node_modules
  tf.env.localModelPath = path.dirname(path.resolve(dir)) + path.sep;
  const name = path.basename(path.resolve(dir));
  const model = await tf.AutoModelForCausalLM.from_pretrained(name, {
    dtype: "fp32",
    device: "cpu",
    local_files_only: true,
    ...(options.externalDataFiles ? { use_external_data_format: options.externalDataFiles } : {}),
    ...(options.threads ? { session_options: { intraOpNumThreads: options.threads } } : {}),
  });
  const tokenizer = await tf.AutoTokenizer.from_pretrained(name, { local_files_only: true });

  return {
    async greedy(promptIds, maxNewTokens, runOptions = {}) {
      const ids = BigInt64Array.from(promptIds, (v) => BigInt(v));
      const input_ids = new tf.Tensor("int64", ids, [1, promptIds.length]);
      const attention_mask = new tf.Tensor("int64", new BigInt64Array(promptIds.length).fill(1n), [
        1,
        promptIds.length,
      ]);
      const started = performance.now();
      let firstTokenAt: number | undefined;
      let puts = 0;
      const timing = {
        put() {
          // The first put is the prompt; the second is the first new token.
          if (++puts === 2) firstTokenAt = performance.now();
        },
      };
      class TimedStreamer extends tf.TextStreamer {
        override put(value: bigint[][]) {
          timing.put();
          super.put(value);
        }
      }
      const streamer = runOptions.stream
        ? new TimedStreamer(tokenizer, { skip_prompt: true, callback_function: () => {} })
        : {
            put: () => timing.put(),
            end: () => {},
          };
      const out = (await model.generate({
        input_ids,
        attention_mask,
        max_new_tokens: maxNewTokens,
        ...(runOptions.minNewTokens ? { min_new_tokens: runOptions.minNewTokens } : {}),
        do_sample: false,
        streamer,
      } as never)) as { data: BigInt64Array };
      const totalMs = performance.now() - started;
      return {
        ids: Array.from(out.data, Number).slice(promptIds.length),
        firstTokenMs: (firstTokenAt ?? performance.now()) - started,
        totalMs,
      };
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/**
 * An encoder-decoder folder (onnx/encoder_model.onnx + decoder_model_merged.onnx) through
 * transformers.js' AutoModelForSeq2SeqLM: greedy decoding under the folder's generation_config
 * (its decoder start, bad words and forced BOS), the new ids only (the decoder start dropped).
 */
export async function loadSeq2SeqPeerModel(dir: string): Promise<{
  greedy(promptIds: readonly number[], maxNewTokens: number): Promise<number[]>;
  dispose(): Promise<void>;
}> {
  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.useFSCache = false;
  tf.env.localModelPath = path.dirname(path.resolve(dir)) + path.sep;
  const name = path.basename(path.resolve(dir));
  const model = await tf.AutoModelForSeq2SeqLM.from_pretrained(name, {
    dtype: "fp32",
    device: "cpu",
    local_files_only: true,
  });
  return {
    async greedy(promptIds, maxNewTokens) {
      const ids = BigInt64Array.from(promptIds, (v) => BigInt(v));
      const input_ids = new tf.Tensor("int64", ids, [1, promptIds.length]);
      const attention_mask = new tf.Tensor("int64", new BigInt64Array(promptIds.length).fill(1n), [
        1,
        promptIds.length,
      ]);
      const out = (await model.generate({
        input_ids,
        attention_mask,
        max_new_tokens: maxNewTokens,
        do_sample: false,
        num_beams: 1,
      } as never)) as { data: BigInt64Array };
      return Array.from(out.data, Number).slice(1);
    },
    async dispose() {
      await model.dispose();
    },
  };
}
