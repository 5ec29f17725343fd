// Code window fitting from summed line counts (decision 036), with real tokenizers: loom-code
// (fill-in-the-middle ids) and the tiny fixture (messages). On real cursor positions the window
// is within the budget by the exact count and maximal (one more line before or after does not
// fit), found with a few exact counts; a guess that is far off (line counts of 0, or ten times
// too many) gives the same window, so the exact count, not the sum, decides.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadCausalLM, type LoadedCausalLM } from "../inference";
import { countMessageTokens, promptBudget } from "./budget";
import { codeDecoding, codeMessages, prepareCodePrompt } from "./code";
import { fitCodeWindow, settle, type CodeWindow, type WindowTokens } from "./code-window";
import { describeLocalModel, type ModelDescription } from "./model-description";
import { realCursorPositions } from "./real-code-positions";

const dir = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The line before `text` ends in `full` (which `text` ends), or undefined at the start. */
function lineBefore(full: string, text: string): string | undefined {
  const rest = full.slice(0, full.length - text.length);
  if (!rest) return undefined;
  return rest.slice(rest.lastIndexOf("\n", rest.length - 2) + 1);
}

describe("code window from summed line counts", () => {
  let loaded: LoadedCausalLM[];
  let models: ModelDescription[];
  before(async () => {
    loaded = await Promise.all(
      ["../../models/loom-code/", "../inference/__fixtures__/tiny-llama/"].map((d) =>
        loadCausalLM(dir(d), { session: { device: "cpu" } }),
      ),
    );
    models = loaded.map((m) => describeLocalModel(m));
  });
  after(async () => {
    await Promise.all(loaded.map((m) => m.dispose()));
  });

  /** The exact count of a window's prompt, as prepareCodePrompt counts it, and how often it ran. */
  function exactOf(model: ModelDescription, language: string) {
    const counter = { calls: 0 };
    const count = (w: CodeWindow) => {
      counter.calls++;
      return model.fimPromptIds
        ? model.fimPromptIds(w).length
        : countMessageTokens(model, codeMessages({ code: w.before, language: language as "python" }, model.prompts));
    };
    return { count, counter };
  }

  test("real positions: within the budget, one more line does not fit, a few exact counts", () => {
    const positions = realCursorPositions(24);
    for (const model of models) {
      let counts = 0;
      let fits = 0;
      for (const position of positions) {
        const code = position.before.slice(-20_000);
        const suffix = position.after.slice(0, 20_000);
        for (const mode of ["inline", "block"] as const) {
          const budget = promptBudget(model, codeDecoding[mode]);
          const { count, counter } = exactOf(model, position.language);
          const fim = Boolean(model.fimPromptIds);
          const tokens: WindowTokens = { budget, count, lineTokens: model.countText! };
          const window = fitCodeWindow({ before: code, after: suffix, fim }, tokens)!;
          counts += counter.calls;
          fits++;
          const where = `${model.id} ${mode} ${position.file}:${code.length}`;
          assert.ok(count(window) <= budget, where);
          // The same window prepareCodePrompt serves, with the ids or messages it counted.
          const served = prepareCodePrompt({ code, suffix, language: position.language, mode }, model, model.prompts);
          assert.deepEqual(served.window, window, where);
          assert.ok(served.promptTokens <= budget, where);
          // Maximal: one more line before (with the reserved lines after, for FIM) is over.
          const full = [code, `${code}\n`, code.slice(0, code.lastIndexOf("\n") + 1)].find((t) =>
            t.endsWith(window.before),
          )!;
          const more = lineBefore(full, window.before);
          if (more !== undefined && window.before.includes("\n")) {
            const reserved = fim
              ? suffix
                  .split(/(?<=\n)/)
                  .slice(0, 8)
                  .join("")
              : "";
            assert.ok(count({ ...window, before: more + window.before, after: reserved }) > budget, `${where}: before`);
          }
          if (fim && window.after.length < suffix.length) {
            const next = suffix.slice(window.after.length).split(/(?<=\n)/)[0]!;
            assert.ok(count({ ...window, after: window.after + next }) > budget, `${where}: after`);
          }
        }
      }
      // The old search made ~20–30 exact counts a fit (gallop and bisect, for before and after).
      assert.ok(counts / fits <= 8, `${model.id}: ${(counts / fits).toFixed(1)} exact counts a fit`);
    }
  });

  test("a guess far off (0 or 10× the line counts) settles on the same window, never over the budget", () => {
    const positions = realCursorPositions(8);
    for (const model of models) {
      for (const position of positions) {
        const code = position.before.slice(-20_000);
        const suffix = position.after.slice(0, 20_000);
        const fim = Boolean(model.fimPromptIds);
        const budget = promptBudget(model, codeDecoding.block);
        const { count } = exactOf(model, position.language);
        const fit = (lineTokens: (line: string) => number) =>
          fitCodeWindow({ before: code, after: suffix, fim }, { budget, count, lineTokens });
        const good = fit(model.countText!)!;
        for (const wrong of [() => 0, (line: string) => 10 * model.countText!(line)]) {
          const window = fit(wrong)!;
          assert.ok(count(window) <= budget, `${model.id} ${position.file}`);
          assert.deepEqual(window, good, `${model.id} ${position.file}`);
        }
      }
    }
  });

  test("settle: the largest n that fits, from any guess", () => {
    for (const answer of [0, 1, 2, 7, 50, 100]) {
      for (const guess of [-3, 1, 2, answer, answer + 1, 60, 100, 140]) {
        const asked: number[] = [];
        const fits = (n: number) => (asked.push(n), n <= answer);
        assert.equal(settle(1, 100, guess, fits), answer, `answer ${answer} guess ${guess}`);
      }
    }
    assert.equal(
      settle(5, 4, 5, () => true),
      4,
    );
  });
});
