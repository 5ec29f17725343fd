// Summarise through an extractive summariser, on the same one-shot protocol as an LLM's summary
// (one-shot.ts): the AI SDK's UI message stream with the run's metadata at start and finish, the
// chosen sentences as text deltas, a runs row with the outcome. The model scores the whole text in
// one run (milliseconds), so there is nothing to batch, map or reduce.
import { createUIMessageStream, type UIMessageChunk } from "ai";
import type { ModelRow } from "../../db/schema";
import { extractiveDeltas, EXTRACTIVE_SENTENCES } from "../apps/summarize-extractive";
import type { SummarizeInput } from "../apps/summarize";
import { publicErrorOf } from "../http-error";
import type { LoadedExtractiveSummarizer } from "../inference";
import { logger } from "../logger";
import { noticeWhenCut } from "../shutdown-notice";
import type { RunOutcome, RunRecorder } from "../usage/runs";
import { startRunTimer } from "../usage/timing";
import type { RunMetadata } from "./run-metadata";

export interface ExtractiveStreamServices {
  runs: Pick<RunRecorder, "start" | "finish">;
  shutdownSignal?: AbortSignal;
}

export interface ExtractiveStreamRequest {
  userId: string;
  input: SummarizeInput;
  row: Pick<ModelRow, "id" | "displayName">;
  model: LoadedExtractiveSummarizer;
}

const FAILED = "The summariser failed. Try again.";

export async function streamExtractiveSummary(
  services: ExtractiveStreamServices,
  { userId, input, row, model }: ExtractiveStreamRequest,
  clientGone: AbortSignal,
): Promise<ReadableStream<UIMessageChunk>> {
  const cut = services.shutdownSignal;
  const aborted = () => clientGone.aborted || Boolean(cut?.aborted);
  const runId = await services.runs.start({ userId, app: "summarize", modelId: row.id });
  const timer = startRunTimer();
  const base: RunMetadata = { modelId: row.id, modelName: row.displayName };
  const record = (outcome: RunOutcome) =>
    services.runs.finish(runId, outcome).catch((error: unknown) => {
      logger.warn("run not recorded", { runId, app: "summarize", status: outcome.status, error: String(error) });
    });

  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      writer.write({ type: "start", messageMetadata: base });
      const summary = await model.summarize(input.text, EXTRACTIVE_SENTENCES[input.length]);
      const deltas = extractiveDeltas(summary.sentences, input.length);
      const completionTokens = model.tokenizer.encodeUntrusted(deltas.join(""), { addSpecialTokens: false }).length;
      const id = "summary";
      writer.write({ type: "text-start", id });
      let sent = 0;
      for (const delta of deltas) {
        if (aborted()) break;
        timer.token();
        writer.write({ type: "text-delta", id, delta });
        sent++;
      }
      writer.write({ type: "text-end", id });
      if (sent < deltas.length) {
        await record({ status: "stopped", promptTokens: summary.tokens, ...timer.read(sent) });
        writer.write({ type: "finish", messageMetadata: { ...base, status: "stopped" } });
        return;
      }
      const stats = { promptTokens: summary.tokens, completionTokens, ...timer.read(completionTokens) };
      await record({ status: "completed", ...stats });
      writer.write({ type: "finish", messageMetadata: { ...base, ...stats, status: "completed" } });
    },
    onError: (error) => {
      void record({ status: "failed", error: String((error as Error)?.message ?? error) });
      return publicErrorOf(error)?.message ?? FAILED;
    },
  });
  return cut ? stream.pipeThrough(noticeWhenCut(cut)) : stream;
}
