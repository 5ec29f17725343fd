// The code window: what of the code around the cursor a completion prompt carries, fitted to the
// model's prompt budget by tokens. Without fill-in-the-middle the prompt is the nearest complete
// lines before the cursor (Loom's models were trained on prompts that end at a line end); a model
// that declares `loom.fim` in config.json also gets the lines after the cursor (decision 016).
import { z } from "zod";
import { largestFitting, tailOf } from "./budget";

/** config.json `loom.fim`: the model's fill-in-the-middle tokens, as its tokenizer spells them. */
export const fimDeclaration = z.object({
  prefix: z.string().min(1),
  suffix: z.string().min(1),
  middle: z.string().min(1),
});
export type FimTokens = z.infer<typeof fimDeclaration>;

/** The FIM tokens a model folder's config declares; undefined when it declares none (or a broken set). */
export function fimTokensOf(config: Record<string, unknown>): FimTokens | undefined {
  const loom = config.loom;
  if (!loom || typeof loom !== "object") return undefined;
  const parsed = fimDeclaration.safeParse((loom as Record<string, unknown>).fim);
  return parsed.success ? parsed.data : undefined;
}

/** Where the suggestion goes relative to the cursor, and the indentation its stop rules measure from. */
export interface CursorLine {
  /**
   * "rest-of-line": the cursor is on a line with only indentation before it; the model writes that
   * line whole, so its own indentation is dropped (the cursor already stands there).
   * "next-line": the cursor ends a line of code; the prompt ends with that line and the
   * suggestion starts on a new line.
   * "middle": fill-in-the-middle; the suggestion is inserted at the cursor as it is.
   */
  placement: "rest-of-line" | "next-line" | "middle";
  /** Columns of indentation of the line being written: lines indented less end the suggestion. */
  baseIndent: number;
}

export interface CodeWindow extends CursorLine {
  /** The code the prompt carries (before the cursor; for FIM the part before the middle). */
  before: string;
  /** FIM only: the code after the cursor the prompt carries. */
  after: string;
}

/** Leading whitespace width (a tab counts as one column: only comparisons within a file matter). */
export function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The nearest lines before the cursor (and for FIM, after it) that fit: `fits(window)` says
 * whether a window's prompt is within the budget. Lines are dropped whole from the far end; a
 * single line longer than the budget is cut from its far end by characters.
 */
export function fitCodeWindow(
  input: { before: string; after?: string; fim: boolean },
  fits: (window: CodeWindow) => boolean,
): CodeWindow | undefined {
  const cut = input.before.lastIndexOf("\n") + 1;
  const linePrefix = input.before.slice(cut);
  const completeLines = splitKeepingEnds(input.before.slice(0, cut));

  if (input.fim) {
    // On a line with only indentation before the cursor, the model writes that line whole (its
    // indentation dropped, as without FIM); elsewhere the suggestion goes in at the cursor as is.
    const onIndent = !linePrefix.trim();
    const cursor: CursorLine = onIndent
      ? { placement: "rest-of-line", baseIndent: linePrefix.length }
      : { placement: "middle", baseIndent: indentOf(linePrefix) };
    const afterLines = splitKeepingEnds(input.after ?? "");
    const beforeLines = [...completeLines, ...(linePrefix && !onIndent ? [linePrefix] : [])];
    if (beforeLines.length === 0) return undefined;
    const window = (b: number, a: number): CodeWindow => ({
      ...cursor,
      before: lastLines(beforeLines, b),
      after: afterLines.slice(0, a).join(""),
    });
    // The code before the cursor matters most: it is fitted first, with a quarter of the lines
    // after it reserved, then the lines after fill what is left.
    const reserve = Math.min(afterLines.length, 8);
    const b = largestFitting(1, beforeLines.length, (n) => fits(window(n, reserve)));
    if (b < 1)
      return fitLongLine(beforeLines.at(-1) ?? "", (text) => fits({ ...cursor, before: text, after: "" }), cursor);
    const a = largestFitting(0, afterLines.length, (n) => fits(window(b, n)));
    return window(b, Math.max(0, a));
  }

  const cursor: CursorLine = linePrefix.trim()
    ? { placement: "next-line", baseIndent: indentOf(linePrefix) }
    : { placement: "rest-of-line", baseIndent: linePrefix.length };
  // "next-line": the line the cursor ends is the prompt's last line.
  const lines = cursor.placement === "next-line" ? [...completeLines, `${linePrefix}\n`] : completeLines;
  if (lines.length === 0) return undefined; // nothing before the cursor but indentation
  const window = (n: number): CodeWindow => ({ ...cursor, before: lastLines(lines, n), after: "" });
  const n = largestFitting(1, lines.length, (k) => fits(window(k)));
  if (n >= 1) return window(n);
  return fitLongLine(lines.at(-1)!, (text) => fits({ ...cursor, before: text, after: "" }), cursor);
}

/** The end of one over-long line (minified code) that fits, cut at a character. */
function fitLongLine(line: string, fits: (text: string) => boolean, cursor: CursorLine): CodeWindow | undefined {
  const keep = largestFitting(1, line.length, (k) => fits(tailOf(line, k)));
  if (keep < 1) return undefined;
  return { ...cursor, before: tailOf(line, keep), after: "" };
}

function splitKeepingEnds(text: string): string[] {
  return text ? text.split(/(?<=\n)/) : [];
}

function lastLines(lines: readonly string[], n: number): string {
  return lines.slice(Math.max(0, lines.length - n)).join("");
}

/** A FIM prompt as tokenizer parts: the FIM tokens are trusted (special), the code is not. */
export function fimPromptParts(window: Pick<CodeWindow, "before" | "after">, tokens: FimTokens) {
  return [
    { text: tokens.prefix, trusted: true },
    { text: window.before, trusted: false },
    { text: tokens.suffix, trusted: true },
    { text: window.after, trusted: false },
    { text: tokens.middle, trusted: true },
  ];
}
