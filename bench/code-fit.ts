// `npm run bench:code-fit [-- N]`: CPU ms per code-window fit, before and after decision 036, in
// the same run. N (default 60) real cursor positions (as bench:code-window), both modes, through
// prepareCodePrompt ("after": each line encoded once, summed to a guess, settled by exact counts)
// and through the search it replaced ("before", kept only here: an exact count of the whole
// window at every gallop and bisection step, then the chosen window encoded again). Old and new
// take turns per position; each is the best of 3 rounds. Also prints the encoder's work: calls
// and characters encoded per fit. Both must choose the same window (exits 1 otherwise).
import { largestFitting, promptBudget, tailOf } from "../server/apps/budget";
import { codeDecoding, codeMessages, prepareCodePrompt } from "../server/apps/code";
import { indentOf, type CodeWindow, type CursorLine } from "../server/apps/code-window";
import { INPUT_LIMITS } from "../server/apps/limits";
import { describeLocalModel, type ModelDescription } from "../server/apps/model-description";
import { realCursorPositions } from "../server/apps/real-code-positions";
import { loadCausalModels } from "../server/apps/test-models";

const count = Number(process.argv[2] ?? 60);
const ROUNDS = 3;

/** The fitting before decision 036: every search step counts its whole window exactly. */
function oldFitCodeWindow(
  input: { before: string; after?: string; fim: boolean },
  fits: (window: CodeWindow) => boolean,
): CodeWindow | undefined {
  const split = (text: string) => (text ? text.split(/(?<=\n)/) : []);
  const last = (lines: readonly string[], n: number) => lines.slice(Math.max(0, lines.length - n)).join("");
  const longLine = (line: string, cursor: CursorLine) => {
    const keep = largestFitting(1, line.length, (k) => fits({ ...cursor, before: tailOf(line, k), after: "" }));
    return keep < 1 ? undefined : { ...cursor, before: tailOf(line, keep), after: "" };
  };
  const cut = input.before.lastIndexOf("\n") + 1;
  const linePrefix = input.before.slice(cut);
  const completeLines = split(input.before.slice(0, cut));
  if (input.fim) {
    const onIndent = !linePrefix.trim();
    const cursor: CursorLine = onIndent
      ? { placement: "rest-of-line", baseIndent: linePrefix.length }
      : { placement: "middle", baseIndent: indentOf(linePrefix) };
    const afterLines = split(input.after ?? "");
    const beforeLines = [...completeLines, ...(linePrefix && !onIndent ? [linePrefix] : [])];
    if (beforeLines.length === 0) return undefined;
    const window = (b: number, a: number): CodeWindow => ({
      ...cursor,
      before: last(beforeLines, b),
      after: afterLines.slice(0, a).join(""),
    });
    const reserve = Math.min(afterLines.length, 8);
    const b = largestFitting(1, beforeLines.length, (n) => fits(window(n, reserve)));
    if (b < 1) return longLine(beforeLines.at(-1) ?? "", cursor);
    const a = largestFitting(0, afterLines.length, (n) => fits(window(b, n)));
    return window(b, Math.max(0, a));
  }
  const cursor: CursorLine = linePrefix.trim()
    ? { placement: "next-line", baseIndent: indentOf(linePrefix) }
    : { placement: "rest-of-line", baseIndent: linePrefix.length };
  const lines = cursor.placement === "next-line" ? [...completeLines, `${linePrefix}\n`] : completeLines;
  if (lines.length === 0) return undefined;
  const window = (n: number): CodeWindow => ({ ...cursor, before: last(lines, n), after: "" });
  const n = largestFitting(1, lines.length, (k) => fits(window(k)));
  return n >= 1 ? window(n) : longLine(lines.at(-1)!, cursor);
}

/** The old prepareCodePrompt: the search above, then the chosen window's ids or count again. */
function oldPrepare(
  input: { code: string; suffix: string; language: string; mode: "inline" | "block" },
  model: ModelDescription,
): CodeWindow | undefined {
  const budget = promptBudget(model, codeDecoding[input.mode]);
  const fim = model.fimPromptIds;
  const tokensOf = (w: CodeWindow) =>
    fim
      ? fim(w).length
      : model.countTokens(codeMessages({ code: w.before, language: input.language as "python" }, model.prompts));
  const window = oldFitCodeWindow({ before: input.code, after: input.suffix, fim: Boolean(fim) }, (w) => {
    return tokensOf(w) <= budget;
  });
  if (window) tokensOf(window);
  return window;
}

/** The description with its encoders counted: calls and characters of code. */
function counted(model: ModelDescription) {
  const work = { calls: 0, chars: 0 };
  const note = (chars: number) => {
    work.calls++;
    work.chars += chars;
  };
  const description: ModelDescription = {
    ...model,
    countTokens: (messages) => {
      note(messages.reduce((n, m) => n + String(m.content).length, 0));
      return model.countTokens(messages);
    },
    countText: (text) => {
      note(text.length);
      return model.countText!(text);
    },
    ...(model.fimPromptIds && {
      fimPromptIds: (w: CodeWindow) => {
        note(w.before.length + w.after.length);
        return model.fimPromptIds!(w);
      },
    }),
  };
  return { description, work };
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const positions = realCursorPositions(count);
const models = await loadCausalModels();
let mismatches = 0;
console.log(
  `${positions.length} positions × 2 modes; CPU ms per fit, best of ${ROUNDS} rounds (old and new interleaved)`,
);
for (const loaded of models) {
  const base = describeLocalModel(loaded);
  const oldSide = counted(base);
  const newSide = counted(base);
  const best = { old: Infinity, new: Infinity };
  let fits = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const spent = { old: 0, new: 0 };
    oldSide.work.calls = oldSide.work.chars = newSide.work.calls = newSide.work.chars = 0;
    fits = 0;
    for (const position of positions) {
      const code = position.before.slice(-INPUT_LIMITS.codeContext);
      const suffix = position.after.slice(0, INPUT_LIMITS.codeContext);
      for (const mode of ["inline", "block"] as const) {
        const input = { code, suffix, language: position.language, mode };
        let t0 = cpuMs();
        const before = oldPrepare(input, oldSide.description);
        spent.old += cpuMs() - t0;
        t0 = cpuMs();
        let after: CodeWindow | undefined;
        try {
          after = prepareCodePrompt(input, newSide.description, base.prompts).window;
        } catch {
          after = undefined; // nothing to complete: the old search found nothing either
        }
        spent.new += cpuMs() - t0;
        fits++;
        if (round === 0 && JSON.stringify(before) !== JSON.stringify(after)) {
          mismatches++;
          console.log(`  ${loaded.id} ${mode} ${position.file}:${code.length}: the windows differ`);
        }
      }
    }
    best.old = Math.min(best.old, spent.old / fits);
    best.new = Math.min(best.new, spent.new / fits);
  }
  const per = (w: { calls: number; chars: number }) =>
    `${(w.calls / fits).toFixed(1)} encodes, ${Math.round(w.chars / fits).toLocaleString("en")} chars`;
  console.log(
    `${loaded.id} (${base.fimPromptIds ? "FIM ids" : "messages"}, context ${loaded.maxPositions}): ` +
      `before ${best.old.toFixed(1)} ms, after ${best.new.toFixed(1)} ms per fit: ${(best.old / best.new).toFixed(1)}× ` +
      `(before ${per(oldSide.work)}; after ${per(newSide.work)} per fit)`,
  );
}
await Promise.all(models.map((m) => m.dispose()));
if (mismatches > 0) console.log(`${mismatches} fits chose another window than the old search`);
process.exit(mismatches > 0 ? 1 : 0);
