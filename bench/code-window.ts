// `npm run bench:code-window [-- N]`: N (default 150) cursor positions in real files (JS/TS from
// node_modules, Python's standard library), each through the code route's preparation for every
// shipped and fixture causal LM, in both modes. A position fails when its prompt is over the
// model's budget or the engine refuses it (each is prefilled with one token to generate).
// Prints failures per model; exits 1 on any. The done-when: 0 of 150.
import { codeDecoding, prepareCodePrompt } from "../server/apps/code";
import { promptBudget } from "../server/apps/budget";
import { readModelPrompts } from "../server/apps/prompts";
import { realCursorPositions } from "../server/apps/real-code-positions";
import { loadCausalModels } from "../server/apps/test-models";
import { describeLocalModel } from "../server/apps/model-description";
import { INPUT_LIMITS } from "../server/apps/limits";

const count = Number(process.argv[2] ?? 150);
const positions = realCursorPositions(count);
const models = await loadCausalModels();
let failures = 0;
for (const model of models) {
  const description = describeLocalModel(model);
  const prompts = readModelPrompts(model.dir);
  const failed: string[] = [];
  let tokens = 0;
  let preparing = 0;
  const started = performance.now();
  for (const position of positions) {
    // What the page sends: the code before and after the cursor, up to the character limit.
    const code = position.before.slice(-INPUT_LIMITS.codeContext);
    const suffix = position.after.slice(0, INPUT_LIMITS.codeContext);
    for (const mode of ["inline", "block"] as const) {
      try {
        const t0 = performance.now();
        const prompt = prepareCodePrompt({ code, suffix, language: position.language, mode }, description, prompts);
        preparing += performance.now() - t0;
        const n = prompt.promptTokens;
        tokens += n;
        if (n > promptBudget(description, codeDecoding[mode])) throw new Error(`${n} tokens over the budget`);
        // As the route sends it: FIM token ids, or the messages.
        const request = prompt.promptIds
          ? { promptIds: prompt.promptIds }
          : { messages: prompt.messages.map((m) => ({ role: m.role, content: String(m.content) })) };
        for await (const event of model.generate({ ...request, maxNewTokens: 1 })) void event;
      } catch (error) {
        failed.push(`${mode} ${position.file} at ${position.before.length}: ${(error as Error).message}`);
      }
    }
  }
  failures += failed.length;
  const ms = performance.now() - started;
  console.log(
    `${model.id} (context ${model.maxPositions}): ${failed.length} of ${positions.length * 2} failed; ` +
      `mean prompt ${Math.round(tokens / (positions.length * 2))} tokens; ` +
      `${Math.round(preparing / (positions.length * 2))} ms to fit, ${Math.round(ms / (positions.length * 2))} ms with the prefill`,
  );
  for (const line of failed.slice(0, 10)) console.log(`  ${line}`);
}
await Promise.all(models.map((m) => m.dispose()));
process.exit(failures > 0 ? 1 : 0);
