// Prompt wording per task. A model folder may carry `loom-prompts.json` with the exact wording it
// was fine-tuned on (Loom's own models do); otherwise these defaults apply. Templates use {name}
// placeholders; unknown placeholders are left as they are. The services that build prompts read
// them from the loaded model's folder (`model.dir`): the registry knows folders, not tasks.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const messageTemplate = z.object({ system: z.string().optional(), user: z.string() });

export const promptsSchema = z.object({
  chat: z.object({ system: z.string().optional() }).default({}),
  summarize: messageTemplate.extend({ lengths: z.record(z.string(), z.string()).optional() }),
  translate: messageTemplate,
  code: messageTemplate,
  sentiment: messageTemplate,
});
export type AppPrompts = z.infer<typeof promptsSchema>;

export const DEFAULT_PROMPTS: AppPrompts = {
  chat: { system: "You are Loom, a helpful assistant. Answer briefly and in the language of the user." },
  summarize: {
    user: "Summarise the following text {length}.\n\n{text}",
    lengths: { short: "in one sentence", medium: "in a short paragraph", bullets: "as a few bullet points" },
  },
  translate: { user: "Translate from {source} to {target}:\n{text}" },
  code: { user: "Complete this {language} code:\n{code}" },
  sentiment: { user: "Is the sentiment of this text positive or negative?\n{text}" },
};

/**
 * An encoder-decoder reads plain text, no chat template and no instructions (decision 037): Marian
 * and BART the text alone, T5 its task prefix ("summarize: ", "translate English to German: ").
 * A folder's loom-prompts.json still overrides these.
 */
export function seq2seqPrompts(modelType: string): AppPrompts {
  const t5 = modelType === "t5" || modelType === "mt5";
  return {
    ...DEFAULT_PROMPTS,
    summarize: { user: t5 ? "summarize: {text}" : "{text}", lengths: DEFAULT_PROMPTS.summarize.lengths },
    translate: { user: t5 ? "translate {source} to {target}: {text}" : "{text}" },
  };
}

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The prompts a model folder declares, merged over the defaults; a broken file is an error naming it. */
export function readModelPrompts(modelDir: string, defaults: AppPrompts = DEFAULT_PROMPTS): AppPrompts {
  const file = path.join(modelDir, "loom-prompts.json");
  if (!existsSync(file)) return defaults;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const normalised = Object.fromEntries(
    Object.entries(raw as object).map(([task, value]) => [task, fromMessagesForm(value)]),
  );
  const merged = promptsSchema.safeParse({ ...defaults, ...normalised });
  if (!merged.success) throw new Error(`${file}: ${merged.error.issues[0]?.message}`);
  return merged.data;
}

const messagesForm = z.object({
  messages: z.array(z.object({ role: z.enum(["system", "user"]), content: z.string() })).min(1),
});

/**
 * Also accepted: the form the training recipe writes, `{ messages: [{role, content}, …] }` with the
 * input as a placeholder in the user message (`{message}`, `{text}`, `{code_before_cursor}`).
 */
function fromMessagesForm(value: unknown): unknown {
  const parsed = messagesForm.safeParse(value);
  if (!parsed.success) return value;
  const system = parsed.data.messages.find((m) => m.role === "system")?.content;
  const user = parsed.data.messages.find((m) => m.role === "user")?.content ?? "{text}";
  return {
    ...(value as object),
    ...(system !== undefined && { system }),
    user: user.replaceAll("{code_before_cursor}", "{code}"),
  };
}
