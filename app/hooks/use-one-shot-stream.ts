// One-shot applications (summarise, translate, code) on the AI SDK's useChat: each run replaces
// the previous result; the request body is the app's own input, not a message history. Progress
// (data-progress parts) and stats (message metadata) come through the same stream.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { textOf } from "../../server/common/message-text";
import type { RunMetadata } from "../../server/generation/run-metadata";
import { errorOfResponse, readRequestError } from "./request-error";

export type OneShotMessage = UIMessage<RunMetadata, { progress: Record<string, unknown> }>;

/** The text to show for a failed request (see ./request-error.ts). */
export function errorText(error: Error | undefined): string | undefined {
  return readRequestError(error)?.message;
}

export interface OneShotStreamOptions {
  /** Called when a run ends (completed, stopped or failed) with the final message. */
  onFinish?: (message: OneShotMessage, outcome: { isAbort: boolean; isError: boolean }) => void;
}

export function useOneShotStream(api: string, options: OneShotStreamOptions = {}) {
  const onFinishRef = useRef(options.onFinish);
  useEffect(() => {
    onFinishRef.current = options.onFinish;
  });
  const [progress, setProgress] = useState<Record<string, unknown> | undefined>();
  const [stopped, setStopped] = useState(false);
  const lastInput = useRef<Record<string, unknown> | undefined>(undefined);
  const transport = useMemo(
    () =>
      new DefaultChatTransport<OneShotMessage>({
        api,
        // The app's input travels as the body; no history is sent.
        prepareSendMessagesRequest: ({ body }) => ({ body: body ?? {} }),
        // A refusal keeps its status with its JSON, so the page knows whether Retry can help.
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (!response.ok) throw await errorOfResponse(response);
          return response;
        },
      }),
    [api],
  );
  const chat = useChat<OneShotMessage>({
    id: api,
    transport,
    onData: (part) => {
      if (part.type === "data-progress") setProgress(part.data as Record<string, unknown>);
    },
    onFinish: ({ message, isAbort, isError }) => onFinishRef.current?.(message, { isAbort, isError }),
  });
  const { stop, setMessages, clearError, sendMessage } = chat;
  const busy = chat.status === "submitted" || chat.status === "streaming";

  const last = chat.messages.at(-1);
  const result = last?.role === "assistant" ? last : undefined;
  const text = result ? textOf(result.parts) : "";
  const failure = readRequestError(chat.error);

  /** Clears the result (and any error) without starting anything. */
  const reset = useCallback(() => {
    setProgress(undefined);
    setStopped(false);
    setMessages([]);
    clearError();
  }, [setMessages, clearError]);

  const run = useCallback(
    async (input: Record<string, unknown>) => {
      // A run still streaming is stopped first, so its end cannot mark the new one finished
      // (stop() is a no-op when nothing is in flight).
      await stop();
      lastInput.current = input;
      reset();
      return sendMessage({ text: "" }, { body: input });
    },
    [stop, reset, sendMessage],
  );

  /** Stops the run in flight (the server stops generating when the request goes). */
  const stopRun = useCallback(async () => {
    setStopped(true);
    await stop();
  }, [stop]);

  /** Runs the last input again (the error banner's Retry). */
  const retry = useCallback(() => {
    if (lastInput.current) return run(lastInput.current);
  }, [run]);

  return {
    run,
    retry,
    reset,
    stop: stopRun,
    /** True after Stop, until the next run or reset. */
    stopped,
    text,
    metadata: result?.metadata,
    progress,
    error: chat.error,
    /** The error as a sentence for the page (the server's `{ error }` message when there is one). */
    errorMessage: failure?.message,
    /** The server's code for the error ("LANGUAGE_UNSURE"), when it sent one. */
    errorCode: failure?.code,
    /** Whether trying the same input again can succeed (no Retry for an unsupported pair). */
    canRetry: failure?.retryable ?? false,
    busy,
    status: chat.status,
  };
}
