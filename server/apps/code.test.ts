// Code completion: the window fits every model's budget at real cursor positions (with its real
// tokenizer; the engine accepts it), and suggestions are shaped to the cursor and end with the
// statement or block being written.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { streamText } from "ai";
import { createLoomLanguageModel, type LoadedCausalLM } from "../inference";
import { countMessageTokens, promptBudget } from "./budget";
import { describeLocalModel } from "./model-description";
import { codeDecoding, codeMessages, fitCodeMessages } from "./code";
import { shapeSuggestion, suggestionTransform } from "./code-stops";
import { fitCodeWindow } from "./code-window";
import { realCursorPositions } from "./real-code-positions";
import { loadCausalModels } from "./test-models";

describe("code window", () => {
  let models: LoadedCausalLM[];
  before(async () => {
    models = await loadCausalModels();
  });
  after(async () => {
    await Promise.all(models.map((m) => m.dispose()));
  });

  test("30 real cursor positions fit every model, in both modes, with the nearest lines kept", async () => {
    const positions = realCursorPositions(30);
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      let overBefore = 0;
      for (const position of positions) {
        const code = position.before.slice(-20_000);
        const unfitted = countMessageTokens(model, codeMessages({ code, language: position.language }, prompts));
        if (unfitted >= model.maxPositions) overBefore++;
        for (const mode of ["inline", "block"] as const) {
          const input = { code, language: position.language, mode };
          const { messages, window } = fitCodeMessages(input, model, prompts);
          const tokens = countMessageTokens(model, messages);
          const where = `${model.id} ${mode} ${position.file}`;
          assert.ok(tokens <= promptBudget(model, codeDecoding[mode]), `${where}: ${tokens} tokens`);
          // The window is the code right before the cursor (for next-line: up to its line's end).
          const lineStart = code.lastIndexOf("\n") + 1;
          const expectedEnd = window.placement === "next-line" ? `${code}\n` : code.slice(0, lineStart);
          assert.ok(expectedEnd.endsWith(window.before), where);
          assert.ok(window.before.length > 0, where);
        }
      }
      // Without fitting, most of these positions would be refused by the engine (18 of the 30 at
      // loom-chat's 1,024 tokens).
      if (model.id === "loom-chat") assert.ok(overBefore >= 16, `only ${overBefore} positions were over`);
    }
  });

  test("the engine accepts the fitted prompts (its own over-long check is the last word)", async () => {
    for (const loaded of models) {
      const model = describeLocalModel(loaded);
      const prompts = model.prompts;
      for (const position of realCursorPositions(6, 7)) {
        const input = { code: position.before.slice(-20_000), language: position.language, mode: "block" as const };
        const { messages } = fitCodeMessages(input, model, prompts);
        const chat = messages.map((m) => ({ role: m.role, content: String(m.content) }));
        for await (const event of loaded.generate({ messages: chat, maxNewTokens: 1 })) void event;
      }
    }
  });

  test("a suggestion that reaches its end stops the model and frees its slot", async () => {
    const model = models.find((m) => m.id === "loom-chat")!;
    const input = { code: "def add(a, b):\n    ", language: "python" as const, mode: "block" as const };
    const description = describeLocalModel(model);
    const { messages, window } = fitCodeMessages(input, description, description.prompts);
    // Told to ignore end-of-sequence, the model would write its 256 tokens; the stop rules end it.
    const result = streamText({
      model: createLoomLanguageModel(model),
      messages,
      allowSystemInMessages: true,
      ...codeDecoding.block,
      // Greedy: what the model writes must not depend on the tests before this one (sampling).
      temperature: 0,
      providerOptions: { loom: { ignoreEos: true } },
      experimental_transform: suggestionTransform(window, "block", 0),
    });
    const text = await result.text;
    assert.equal(await result.finishReason, "stop");
    assert.ok((await result.usage).outputTokens! < 256, `${(await result.usage).outputTokens} tokens`);
    assert.doesNotMatch(text, /^\s/, "shown from the cursor");
    for (let i = 0; model.stats().active > 0 && i < 50; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(model.stats().active, 0);
  });

  test("one minified line longer than the budget is cut from its far end", () => {
    const line = "a".repeat(5_000);
    const window = fitCodeWindow(
      { before: `${line}\n`, fim: false },
      { budget: 100, count: (w) => w.before.length, lineTokens: (l) => l.length },
    );
    assert.equal(window?.before.length, 100);
  });
});

describe("suggestion shape and stops", () => {
  const restOfLine = (baseIndent: number) => ({ placement: "rest-of-line" as const, baseIndent });
  const nextLine = (baseIndent: number) => ({ placement: "next-line" as const, baseIndent });

  test("on an indented new line the model's own indentation is dropped (4 spaces stay 4)", () => {
    const shaped = shapeSuggestion("    return a + b\n", restOfLine(4), "inline", false);
    assert.equal(shaped.text, "return a + b");
    assert.equal(shapeSuggestion(" return x\n", restOfLine(4), "inline", false).text, "return x");
  });

  test("after a line of code the suggestion starts on a new line with the model's indentation", () => {
    const shaped = shapeSuggestion("    return a + b\n\n", nextLine(0), "inline", false);
    assert.deepEqual(shaped, { text: "\n    return a + b", done: true });
  });

  test("an inline suggestion ends with its statement; a block one with its block", () => {
    const raw = "x = compute()\n    y = x + 1\n    z = 2\nprint(z)\n";
    assert.deepEqual(shapeSuggestion(raw, restOfLine(4), "inline", false), { text: "x = compute()", done: true });
    assert.deepEqual(shapeSuggestion(raw, restOfLine(4), "block", false), {
      text: "x = compute()\n    y = x + 1\n    z = 2",
      done: true,
    });
  });

  test("a block opened on the cursor's line ends at its closing bracket", () => {
    const raw = "  if (x) {\n    run();\n  }\n  next();\n";
    assert.deepEqual(shapeSuggestion(raw, nextLine(2), "inline", false), {
      text: "\n  if (x) {\n    run();\n  }",
      done: true,
    });
    assert.deepEqual(shapeSuggestion("    run();\n  } else {\n    stop();\n  }\n", nextLine(2), "block", false), {
      text: "\n    run();\n  } else {\n    stop();\n  }",
      done: true,
    });
  });

  test("repeated lines end the suggestion; nothing is shown before a line is complete", () => {
    const raw = "a = 1\nb = 1\nb = 1\nb = 1\n";
    assert.deepEqual(shapeSuggestion(raw, restOfLine(0), "block", false), { text: "a = 1\nb = 1", done: true });
    assert.deepEqual(shapeSuggestion("retu", restOfLine(4), "inline", false), { text: "", done: false });
    assert.deepEqual(shapeSuggestion("return", restOfLine(4), "inline", true), { text: "return", done: true });
  });
});
