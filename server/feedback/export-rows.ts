// The two export formats (the shared contract of issue 17, read by training/): one JSON object a
// line. "messages": a rated answer with its conversation, the answer last. "preference": a user
// turn's liked and disliked sibling answers.
import type { FeedbackFilters, ExportFormat } from "./filters";
import type { FeedbackStore, PreferencePair, RatedAnswer, Turn } from "./rated-answers";

export interface MessagesRow {
  messages: Turn[];
  rating: 1 | -1;
  model: string;
  app: string;
  created_at: string;
  chat_id: string;
  message_id: string;
}

export interface PreferenceRow {
  messages: Turn[];
  chosen: string;
  rejected: string;
  model: string;
  app: string;
  created_at: string;
  chat_id: string;
}

export function messagesRow(answer: RatedAnswer): MessagesRow {
  return {
    messages: answer.conversation,
    rating: answer.rating,
    model: answer.modelId,
    app: answer.app,
    created_at: answer.ratedAt.toISOString(),
    chat_id: answer.chatId,
    message_id: answer.messageId,
  };
}

export function preferenceRow(pair: PreferencePair): PreferenceRow {
  return {
    messages: pair.context,
    chosen: pair.chosen,
    rejected: pair.rejected,
    model: pair.modelId,
    app: pair.app,
    created_at: pair.ratedAt.toISOString(),
    chat_id: pair.chatId,
  };
}

/** The export as JSONL, a batch of lines at a time: never the whole file in memory. */
export async function* exportJsonl(
  store: FeedbackStore,
  filters: FeedbackFilters,
  format: ExportFormat,
): AsyncGenerator<string> {
  if (format === "preference") {
    for await (const batch of store.preferencePairs(filters))
      yield batch.map((pair) => `${JSON.stringify(preferenceRow(pair))}\n`).join("");
  } else {
    for await (const batch of store.ratedAnswers(filters))
      yield batch.map((answer) => `${JSON.stringify(messagesRow(answer))}\n`).join("");
  }
}

/** The same lines as a web stream, read as the client takes them (a resource route's body). */
export function exportStream(store: FeedbackStore, filters: FeedbackFilters, format: ExportFormat) {
  const lines = exportJsonl(store, filters, format);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}
