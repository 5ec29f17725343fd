// Where a code suggestion ends: at the end of the statement or block being written, measured by
// indentation from the cursor's line, with a guard against repeated lines. The model's raw text
// is shaped line by line (a line is shown once it is complete, so nothing shown is taken back),
// and the generation is stopped as soon as the end is known instead of running to max tokens.
import type { LanguageModelUsage, StreamTextTransform, TextStreamPart, ToolSet } from "ai";
import { indentOf, type CursorLine } from "./code-window";

export type SuggestionMode = "inline" | "block";

const MAX_LINES: Record<SuggestionMode, number> = { inline: 8, block: 40 };

/** A line that only closes brackets ("}", "});", "]"): it ends the block it closes. */
const CLOSER = /^[}\])]+[;,)]*$/;
/** A line that carries on the statement above it (`} else {`, `.then(…)`, `elif …:`). */
const CONTINUATION = /^([}\])]|\.|\?|:|&&|\|\||\+|else\b|elif\b|except\b|finally\b|catch\b)/;
/** A line that leaves its statement open (a trailing operator, comma or opening bracket). */
const OPEN_END = /([,([{\\+\-*/=&|.]|=>)$/;

export interface ShapedSuggestion {
  /** What to show and insert at the cursor. */
  text: string;
  /** The end is known: stop generating. */
  done: boolean;
}

/**
 * The suggestion `raw` (the model's text so far) makes at `cursor`. `final`: the model has
 * finished, so a last line without a newline counts as complete.
 */
export function shapeSuggestion(
  raw: string,
  cursor: CursorLine,
  mode: SuggestionMode,
  final: boolean,
): ShapedSuggestion {
  const lines = raw.split("\n");
  const complete = final ? lines.filter((line, i) => i < lines.length - 1 || line !== "") : lines.slice(0, -1);
  const shown: string[] = [];
  let blanks = 0;
  let done = false;
  for (const [i, line] of complete.entries()) {
    if (!line.trim()) {
      // A blank line ends an inline suggestion; two end a block.
      if (mode === "inline" || ++blanks >= 2 || shown.length === 0) {
        done = true;
        break;
      }
      continue;
    }
    if (ends(line, i, shown, cursor, mode)) {
      done = true;
      break;
    }
    const measured = i > 0 || cursor.placement === "next-line";
    const closes = measured && indentOf(line) <= cursor.baseIndent && CLOSER.test(line.trim());
    for (; blanks > 0; blanks--) shown.push("");
    shown.push(i === 0 && cursor.placement === "rest-of-line" ? line.trimStart() : line);
    if (closes || shown.length >= MAX_LINES[mode]) {
      done = true;
      break;
    }
  }
  if (shown.length === 0) return { text: "", done: done || final };
  const body = shown.join("\n");
  return { text: cursor.placement === "next-line" ? `\n${body}` : body, done: done || final };
}

/** Whether `line` (the i-th of the raw text) is past the end of what is being written. */
function ends(line: string, i: number, shown: readonly string[], cursor: CursorLine, mode: SuggestionMode): boolean {
  const previous = shown.at(-1);
  // Repetition: the line just shown again, or a line already shown twice.
  if (previous !== undefined && line === previous) return true;
  if (shown.filter((s) => s === line).length >= 2) return true;
  // The cursor's own line (rest-of-line, middle) is never measured: its indentation is given.
  if (i === 0 && cursor.placement !== "next-line") return false;
  const indent = indentOf(line);
  const trimmed = line.trim();
  // Dedent below the cursor's block ends it; as the first line, a closing bracket is the answer.
  if (indent < cursor.baseIndent) return !(shown.length === 0 && CLOSER.test(trimmed));
  if (indent > cursor.baseIndent || shown.length === 0) return false; // inside the block, or the first line
  if (CLOSER.test(trimmed) || CONTINUATION.test(trimmed)) return false;
  // Back at the cursor's indentation: a new statement. Inline suggestions end there.
  return mode === "inline" && !OPEN_END.test(previous!.trimEnd());
}

/**
 * streamText's transform for a completion: the text shaped by `shapeSuggestion`, and the
 * generation stopped (with a finish of its own) once the suggestion's end is known.
 */
export function suggestionTransform(
  cursor: CursorLine,
  mode: SuggestionMode,
  promptTokens: number,
): StreamTextTransform<ToolSet> {
  return ({ stopStream }) => {
    let raw = "";
    let shownLength = 0;
    let deltas = 0;
    let stopped = false;
    let textId = "0";
    const emit = (controller: TransformStreamDefaultController<TextStreamPart<ToolSet>>, final: boolean) => {
      const shaped = shapeSuggestion(raw, cursor, mode, final);
      if (shaped.text.length > shownLength) {
        controller.enqueue({ type: "text-delta", id: textId, text: shaped.text.slice(shownLength) });
        shownLength = shaped.text.length;
      }
      return shaped.done;
    };
    return new TransformStream<TextStreamPart<ToolSet>, TextStreamPart<ToolSet>>({
      transform(part, controller) {
        if (stopped) return;
        if (part.type === "text-start") textId = part.id;
        if (part.type === "text-end") emit(controller, true);
        if (part.type !== "text-delta") {
          controller.enqueue(part);
          return;
        }
        raw += part.text;
        deltas++;
        if (!emit(controller, false)) return;
        // The end is known: finish here and stop the model (its stream is cancelled, freeing the slot).
        stopped = true;
        const usage = usageOf(promptTokens, deltas);
        controller.enqueue({ type: "text-end", id: textId });
        controller.enqueue({
          type: "finish-step",
          response: { id: "suggestion", timestamp: new Date(), modelId: "loom" },
          usage,
          finishReason: "stop",
          rawFinishReason: "suggestion-end",
          providerMetadata: undefined,
        });
        controller.enqueue({
          type: "finish",
          finishReason: "stop",
          rawFinishReason: "suggestion-end",
          totalUsage: usage,
        });
        stopStream();
      },
    });
  };
}

/** Usage of a stopped suggestion: the engine sends about one delta per token. */
function usageOf(inputTokens: number, outputTokens: number): LanguageModelUsage {
  return {
    inputTokens,
    inputTokenDetails: { noCacheTokens: inputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
    outputTokens,
    outputTokenDetails: { textTokens: outputTokens, reasoningTokens: 0 },
    totalTokens: inputTokens + outputTokens,
  };
}
