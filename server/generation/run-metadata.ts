// What a one-shot stream tells the page about its run, as message metadata. Plain types: the
// browser imports them.

export interface RunStats {
  modelId: string;
  modelName: string;
  promptTokens?: number;
  completionTokens?: number;
  timeToFirstTokenMs?: number;
  durationMs?: number;
  tokensPerSecond?: number;
  /** Translate: the source language detected for "Detect language" (a code). */
  detectedSource?: string;
}

/** What the page reads from `message.metadata`. */
export type RunMetadata = Partial<RunStats> & { status?: "completed" | "stopped" | "failed" };
