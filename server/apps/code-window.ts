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
 * How fitting counts a window's tokens. `count` is exact (the prompt as the engine reads it) and
 * has the last word; `lineTokens` counts one line of code alone. Each candidate line is encoded
 * once and the counts summed to a first guess (decision 036), so a fit is a few exact counts plus
 * one pass over the lines it keeps, not an exact count of a whole window per search step (that
 * cost 300–570 ms a fit). The sum is not exact (BPE merges across line ends), so the guess is
 * settled with exact counts.
 */
export interface WindowTokens {
  count(window: CodeWindow): number;
  lineTokens(line: string): number;
  /** The most tokens the window's prompt may have. */
  budget: number;
}

/**
 * The nearest lines before the cursor (and for FIM, after it) whose prompt fits the budget by
 * `tokens.count`. Lines are dropped whole from the far end; a single line longer than the budget
 * is cut from its far end by characters.
 */
export function fitCodeWindow(
  input: { before: string; after?: string; fim: boolean },
  tokens: WindowTokens,
): CodeWindow | undefined {
  const { budget } = tokens;
  const exact = countingWindows(tokens);
  const fitsText = (cursor: CursorLine) => (text: string) => exact({ ...cursor, before: text, after: "" }) <= budget;
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
    const afterCosts = lineCosts(afterLines, tokens, false);
    const reserved = afterCosts.sum(reserve);
    const frame = exact(window(0, 0));
    const beforeCosts = lineCosts(beforeLines, tokens, true);
    const guessB = beforeCosts.step(0, budget - frame - reserved);
    const b = converge(1, beforeLines.length, guessB, budget, (n) => exact(window(n, reserve)), beforeCosts.step);
    if (b < 1) return fitLongLine(beforeLines.at(-1) ?? "", fitsText(cursor), cursor);
    // From the exact count with the reserve: the lines after add (or, fewer than the reserve, give back) their own.
    const base = exact(window(b, reserve)) - reserved;
    const guessA = afterCosts.step(0, budget - base);
    const a = converge(0, afterLines.length, guessA, budget, (n) => exact(window(b, n)), afterCosts.step);
    return window(b, Math.max(0, a));
  }

  const cursor: CursorLine = linePrefix.trim()
    ? { placement: "next-line", baseIndent: indentOf(linePrefix) }
    : { placement: "rest-of-line", baseIndent: linePrefix.length };
  // "next-line": the line the cursor ends is the prompt's last line.
  const lines = cursor.placement === "next-line" ? [...completeLines, `${linePrefix}\n`] : completeLines;
  if (lines.length === 0) return undefined; // nothing before the cursor but indentation
  const window = (n: number): CodeWindow => ({ ...cursor, before: lastLines(lines, n), after: "" });
  const costs = lineCosts(lines, tokens, true);
  const guess = costs.step(0, budget - exact(window(0)));
  const n = converge(1, lines.length, guess, budget, (k) => exact(window(k)), costs.step);
  if (n >= 1) return window(n);
  return fitLongLine(lines.at(-1)!, fitsText(cursor), cursor);
}

/**
 * `tokens.count`, remembered per window for one fit: settling asks some windows twice. Within a
 * fit a window is its lengths: `before` is always an end of the same code, `after` a start.
 */
function countingWindows(tokens: WindowTokens) {
  const known = new Map<string, number>();
  return (window: CodeWindow) => {
    const key = `${window.before.length}:${window.after.length}`;
    let n = known.get(key);
    if (n === undefined) known.set(key, (n = tokens.count(window)));
    return n;
  };
}

/**
 * Each line's own tokens, encoded once and only as far as fitting reads: from the cursor outwards
 * (`fromEnd`: the lines before it, nearest last), so a long file costs what the window keeps.
 */
function lineCosts(lines: readonly string[], tokens: WindowTokens, fromEnd: boolean) {
  const costs: number[] = [];
  const cost = (i: number) => {
    while (costs.length <= i)
      costs.push(tokens.lineTokens(lines[fromEnd ? lines.length - 1 - costs.length : costs.length]!));
    return costs[i]!;
  };
  return {
    /** The summed tokens of the `n` nearest lines. */
    sum(n: number) {
      let total = 0;
      for (let i = 0; i < n; i++) total += cost(i);
      return total;
    },
    /**
     * From the `n` nearest lines and `room` tokens left (negative: over by that much), how many
     * lines the summed counts say fit: more while their counts fit in the room, or fewer until
     * the dropped ones' counts make up what is over.
     */
    step(n: number, room: number) {
      let k = n;
      if (room >= 0) {
        let total = 0;
        while (k < lines.length && total + cost(k) <= room) total += cost(k++);
      } else {
        let freed = 0;
        while (k > 0 && freed < -room) freed += cost(--k);
      }
      return k;
    },
  };
}

/**
 * The largest n in [lo, hi] whose exact count (`countAt`) is within `budget`, lo - 1 when none,
 * from a guess: each exact count tells how far the guess is off in tokens, and `step` turns that
 * into lines by their own counts (a secant step), so a guess a few lines off usually settles in
 * 2–3 exact counts. Each step stays between the largest n known to fit and the smallest known
 * not to; after a few, `settle`'s gallop and bisection finish (counts monotone in n).
 */
function converge(
  lo: number,
  hi: number,
  guess: number,
  budget: number,
  countAt: (n: number) => number,
  step: (n: number, room: number) => number,
): number {
  if (lo > hi) return lo - 1;
  let good = lo - 1;
  let bad = hi + 1;
  let n = Math.min(hi, Math.max(lo, guess));
  for (let tries = 0; tries < 4; tries++) {
    const room = budget - countAt(n);
    if (room >= 0) good = n;
    else bad = n;
    if (bad - good <= 1) return good;
    n = Math.min(bad - 1, Math.max(good + 1, step(n, room)));
  }
  // Still apart: the rest by gallop and bisection between what is known.
  if (good < lo) return settle(lo, bad - 1, bad - 1, (k) => countAt(k) <= budget);
  return settle(good, bad - 1, good, (k) => countAt(k) <= budget);
}

/**
 * The largest n in [lo, hi] for which `fits(n)` holds (fits monotone), lo - 1 when none, found
 * from `guess`: a guess that fits gallops up from it, one that does not gallops down. A guess a
 * few lines off costs a few exact counts (2·log2 of the distance), not a search of [lo, hi].
 */
export function settle(lo: number, hi: number, guess: number, fits: (n: number) => boolean): number {
  if (lo > hi) return lo - 1;
  const start = Math.min(hi, Math.max(lo, guess));
  if (fits(start)) return largestFitting(start, hi, fits);
  let bad = start;
  let step = 1;
  let good = lo - 1;
  while (bad > lo) {
    const next = Math.max(lo, bad - step);
    if (fits(next)) {
      good = next;
      break;
    }
    bad = next;
    step *= 2;
  }
  if (good < lo) return lo - 1;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (fits(mid)) good = mid;
    else bad = mid;
  }
  return good;
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
