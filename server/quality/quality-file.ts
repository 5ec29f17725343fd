// `<model folder>/loom-quality.json`: the machine-readable part of a model card (issue 17's
// contract C): evaluation numbers, bias probe results, and for a fine-tuned model its base and
// before/after numbers. Every key but "version" is optional; a reader tolerates a missing file and
// drops (and names) a malformed section rather than the whole file. Writers merge: they replace
// their own keys and keep the others (training/ writes "finetune", `npm run eval -- --bias` "bias").
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const QUALITY_FILE = "loom-quality.json";
/** Far above any real card (a few KB); the admin page reads it on each request. */
export const MAX_QUALITY_FILE_BYTES = 1024 * 1024;

const finite = z.number().finite();
const text = z.string().max(2000);

export const evaluationEntrySchema = z.object({
  metric: text,
  value: finite,
  baseline: z.object({ name: text, value: finite }).optional(),
  split: text.optional(),
});

export const biasResultSchema = z.object({
  probe_set: text,
  attribute: text,
  language: text,
  kind: z.enum(["sentiment", "generative"]),
  pairs: z.number().int().nonnegative(),
  flip_rate: finite,
  mean_score_gap: finite,
  refusal_change_rate: finite.optional(),
});

export const biasSchema = z.object({
  generated_at: text.optional(),
  scorer: text.optional(),
  probe_sets: z
    .array(z.object({ id: text, language: text, attribute: text, pairs: z.number().int().nonnegative() }))
    .max(1000)
    .default([]),
  results: z.array(biasResultSchema).max(1000).default([]),
});

const metricTable = z.record(z.string().max(200), finite);

export const finetuneSchema = z.object({
  base: z.object({ path: text.optional(), name: text.optional() }).optional(),
  data: z
    .object({
      file: text.optional(),
      rows: z.number().int().nonnegative().optional(),
      train_rows: z.number().int().nonnegative().optional(),
      held_back_rows: z.number().int().nonnegative().optional(),
      pairs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  steps: z.number().int().nonnegative().optional(),
  created_at: text.optional(),
  before: metricTable.optional(),
  after: metricTable.optional(),
  bias_before: biasSchema.optional(),
});

export type EvaluationEntry = z.infer<typeof evaluationEntrySchema>;
export type BiasResult = z.infer<typeof biasResultSchema>;
export type BiasReport = z.infer<typeof biasSchema>;
export type FinetuneReport = z.infer<typeof finetuneSchema>;

export interface Quality {
  version: 1;
  evaluation?: EvaluationEntry[];
  bias?: BiasReport;
  finetune?: FinetuneReport;
}

export type QualityRead =
  | { status: "absent" }
  | { status: "invalid"; reason: string }
  /** `problems`: sections that did not match the contract and were left out. */
  | { status: "ok"; quality: Quality; problems: string[] };

const sections = {
  evaluation: z.array(evaluationEntrySchema).max(1000),
  bias: biasSchema,
  finetune: finetuneSchema,
} as const;

const issueText = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");

/** Parses the file's JSON text (already read, already bounded). */
export function parseQuality(json: string): QualityRead {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { status: "invalid", reason: `${QUALITY_FILE} is not valid JSON.` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { status: "invalid", reason: `${QUALITY_FILE} is not a JSON object.` };
  const record = raw as Record<string, unknown>;
  if (record.version !== 1)
    return { status: "invalid", reason: `${QUALITY_FILE} has version ${JSON.stringify(record.version)}, not 1.` };
  const quality: Quality = { version: 1 };
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(sections)) {
    if (record[key] === undefined) continue;
    const parsed = schema.safeParse(record[key]);
    if (parsed.success) Object.assign(quality, { [key]: parsed.data });
    else problems.push(`"${key}" left out: ${issueText(parsed.error)}`);
  }
  return { status: "ok", quality, problems };
}

/** The model folder's quality file: absent, invalid (with the reason), or parsed. */
export function readQualityFile(modelDir: string): QualityRead {
  const file = path.join(modelDir, QUALITY_FILE);
  if (!existsSync(file)) return { status: "absent" };
  const stat = statSync(file);
  if (!stat.isFile()) return { status: "invalid", reason: `${QUALITY_FILE} is not a file.` };
  if (stat.size > MAX_QUALITY_FILE_BYTES)
    return {
      status: "invalid",
      reason: `${QUALITY_FILE} is ${stat.size} bytes; at most ${MAX_QUALITY_FILE_BYTES} are read.`,
    };
  return parseQuality(readFileSync(file, "utf8"));
}

/**
 * Writes `patch`'s keys into the folder's quality file, keeping every other key as it was (a
 * file that is not a JSON object is replaced). Written to a temporary name, then renamed.
 */
export function mergeQualityFile(modelDir: string, patch: Omit<Partial<Quality>, "version">): void {
  const file = path.join(modelDir, QUALITY_FILE);
  let existing: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) existing = raw as Record<string, unknown>;
    } catch {
      // Not JSON: nothing to keep.
    }
  }
  // "version" first, as the contract shows it.
  const kept: Record<string, unknown> = { ...existing, ...patch };
  delete kept.version;
  const ordered = { version: 1, ...kept };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(ordered, null, 2)}\n`);
  renameSync(temporary, file);
}
