// Where a code suggestion ends: at the end of the statement or block being written, measured by
// indentation from the cursor's line, with a guard against repeated lines. The model's raw text
// is shaped line by line (a line is shown once it is complete, so nothing shown is taken back),
// and the generation is stopped as soon as the end is known instead of running to max tokens.
import type { StreamTextTransform, ToolSet } from "ai";
import { indentOf, type CursorLine } from "./code-window";
import { shapingTransform, type Shaped } from "./shaped-stream";

export type SuggestionMode = "inline" | "block";

const MAX_LINES: Record<SuggestionMode, number> = { inline: 8, block: 40 };

/** A line that only closes brackets ("}", "});", "]"): it ends the block it closes. */
const CLOSER = /^[}\])]+[;,)]*$/;
/** A line that carries on the statement above it (`} else {`, `.then(…)`, `elif …:`). */
const CONTINUATION = /^([}\])]|\.|\?|:|&&|\|\||\+|else\b|elif\b|except\b|finally\b|catch\b)/;
/** A line that leaves its statement open (a trailing operator, comma or opening bracket). */
const OPEN_END = /([,([{\\+\-*/=&|.]|=>)$/;

export type ShapedSuggestion = Shaped;

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

/** streamText's transform for a completion: the text shaped by `shapeSuggestion`, stopped at its end. */
export function suggestionTransform(
  cursor: CursorLine,
  mode: SuggestionMode,
  promptTokens: number,
): StreamTextTransform<ToolSet> {
  return shapingTransform((raw, final) => shapeSuggestion(raw, cursor, mode, final), promptTokens);
}
