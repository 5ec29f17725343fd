// One-shot applications (summarise, translate, code) on the AI SDK's useChat: each run replaces
// the previous result; the request body is the app's own input, not a message history. Progress
// (data-progress parts) and stats (message metadata) come through the same stream.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { useCallback, useMemo, useState } from "react";
import type { TaskMetadata } from "~/one-shot.server";

export type TaskMessage = UIMessage<TaskMetadata, { progress: Record<string, unknown> }>;

export function useTaskStream(api: string) {
  const [progress, setProgress] = useState<Record<string, unknown> | undefined>();
  const transport = useMemo(
    () =>
      new DefaultChatTransport<TaskMessage>({
        api,
        // The app's input travels as the body; no history is sent.
        prepareSendMessagesRequest: ({ body }) => ({ body: body ?? {} }),
      }),
    [api],
  );
  const chat = useChat<TaskMessage>({
    id: api,
    transport,
    onData: (part) => {
      if (part.type === "data-progress") setProgress(part.data as Record<string, unknown>);
    },
  });

  const last = chat.messages.at(-1);
  const result = last?.role === "assistant" ? last : undefined;
  const text = result?.parts.map((p) => (p.type === "text" ? p.text : "")).join("") ?? "";

  const run = useCallback(
    (input: Record<string, unknown>) => {
      setProgress(undefined);
      chat.setMessages([]);
      chat.clearError();
      return chat.sendMessage({ text: "" }, { body: input });
    },
    [chat],
  );

  return {
    run,
    stop: chat.stop,
    text,
    metadata: result?.metadata,
    progress,
    error: chat.error,
    busy: chat.status === "submitted" || chat.status === "streaming",
    status: chat.status,
  };
}
