// What the chat page reads from a message's `metadata`: its model, stats, siblings (‹ 2/3 ›) and
// the user's rating, from the page's loader (app/chat.server.ts) and from the answer's stream.
// Plain types: the browser imports them.

export interface ChatMessageMetadata {
  modelId?: string | null;
  modelName?: string;
  siblingIds?: string[];
  siblingIndex?: number;
  rating?: number;
  completionTokens?: number | null;
  timeToFirstTokenMs?: number | null;
  durationMs?: number | null;
  /** How the answer ended, when not on its own: stopped, interrupted, failed (from the stream or the store). */
  status?: string;
}
