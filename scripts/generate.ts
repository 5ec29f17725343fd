// npm run generate -- --model <dir> [options] "prompt"
//
// Streams a model's answer to the terminal through the same path the web app uses: the engine
// as an AI SDK provider, driven by streamText. Timings and usage go to stderr at the end.
//
//   --model DIR         model folder (default: $LOOM_MODEL)
//   --system TEXT       system message
//   --max-tokens N      cap on new tokens (default 256)
//   --temperature T     0 = greedy (default: the model's generation_config)
//   --top-k K, --top-p P, --seed S, --stop TEXT (repeatable)
//   --raw               continue the text as is (no chat template)

import { parseArgs } from "node:util";
import { streamText } from "ai";
import { engineOptionsFromEnv } from "../server/config";
import { createLoomLanguageModel, loadCausalLM } from "../server/inference/index";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: "string", default: process.env.LOOM_MODEL },
    system: { type: "string" },
    "max-tokens": { type: "string", default: "256" },
    temperature: { type: "string" },
    "top-k": { type: "string" },
    "top-p": { type: "string" },
    seed: { type: "string" },
    stop: { type: "string", multiple: true },
    raw: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

const usage =
  'usage: npm run generate -- --model <dir> [--system TEXT] [--max-tokens N] [--temperature T] [--raw] "prompt"';
if (values.help || !values.model || positionals.length === 0) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const model = await loadCausalLM(values.model, {
  ...engineOptionsFromEnv(),
  logger: { info: () => {}, warn: (m) => console.error(m) },
});
try {
  const prompt = positionals.join(" ");
  const lm = createLoomLanguageModel(model);
  const settings = {
    maxOutputTokens: num(values["max-tokens"]),
    temperature: num(values.temperature),
    topK: num(values["top-k"]),
    topP: num(values["top-p"]),
    seed: num(values.seed),
    stopSequences: values.stop,
  };
  const result = streamText({
    model: lm,
    system: values.system,
    prompt,
    ...settings,
    // --raw: continue the text itself instead of answering it through the chat template.
    providerOptions: { loom: { chatTemplate: !values.raw } },
  });
  for await (const delta of result.textStream) process.stdout.write(delta);
  process.stdout.write("\n");
  const [u, finishReason, meta] = await Promise.all([result.usage, result.finishReason, result.providerMetadata]);
  const loom = meta?.loom as Record<string, unknown> | undefined;
  console.error(
    `[${model.id} on ${model.device}] finish: ${finishReason}; tokens in ${u.inputTokens}, out ${u.outputTokens}; ` +
      `first token ${loom?.timeToFirstTokenMs} ms, ${loom?.tokensPerSecond} tokens/s`,
  );
} finally {
  await model.dispose();
}
