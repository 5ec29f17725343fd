// `npm run eval` for an extractive summariser (models/loom-extract): the validation documents
// training/train_extract.py wrote (runs/<model>/val.jsonl: BBC validation articles, SciTLDR dev),
// scored by the engine, the chosen sentences (in document order) against the reference with
// metrics.ts's ROUGE, next to lead-3 / lead-1 on the same documents, and beside PyTorch's numbers
// (runs/<model>/eval.json) when they are there.
import { existsSync, readFileSync } from "node:fs";
import { selectSentences, type LoadedExtractiveSummarizer } from "../inference";
import { mean, rouge, type RougeScores } from "./metrics";

export interface ExtractiveDocument {
  source: string;
  sentences: string[];
  reference: string;
  /** Index of the first body sentence (after a headline line): lead-k starts here. */
  body_start: number;
  /** Sentences chosen: 3 for BBC (the medium length), 1 for SciTLDR (short). */
  k: number;
}

export type ExtractiveEval = Record<
  string,
  { documents: number; sentences_chosen: number; model: RougeScores; "lead-1": RougeScores; "lead-3": RougeScores }
>;

/** The documents, or the first `perSource` of each source (`--quick`). */
export function readExtractiveDocuments(file: string, perSource?: number): ExtractiveDocument[] {
  const docs = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ExtractiveDocument);
  if (perSource === undefined) return docs;
  const seen = new Map<string, number>();
  return docs.filter((d) => {
    seen.set(d.source, (seen.get(d.source) ?? 0) + 1);
    return seen.get(d.source)! <= perSource;
  });
}

const lead = (doc: ExtractiveDocument, k: number) =>
  Array.from({ length: Math.min(k, doc.sentences.length - doc.body_start) }, (_, i) => doc.body_start + i);

function meanRouge(rows: RougeScores[]): RougeScores {
  const pct = (key: keyof RougeScores) => Math.round(mean(rows.map((r) => r[key])) * 10000) / 100;
  return { rouge1: pct("rouge1"), rouge2: pct("rouge2"), rougeL: pct("rougeL") };
}

export async function evaluateExtractive(
  model: LoadedExtractiveSummarizer,
  docs: readonly ExtractiveDocument[],
): Promise<ExtractiveEval> {
  const result: ExtractiveEval = {};
  for (const source of [...new Set(docs.map((d) => d.source))]) {
    const rows = docs.filter((d) => d.source === source);
    const picks: Record<"model" | "lead-1" | "lead-3", RougeScores[]> = { model: [], "lead-1": [], "lead-3": [] };
    for (const doc of rows) {
      const { scores } = await model.score(doc.sentences);
      const text = (indices: number[]) => indices.map((i) => doc.sentences[i]).join(" ");
      picks.model.push(rouge(text(selectSentences(scores, doc.k)), doc.reference));
      picks["lead-1"].push(rouge(text(lead(doc, 1)), doc.reference));
      picks["lead-3"].push(rouge(text(lead(doc, 3)), doc.reference));
    }
    result[source] = {
      documents: rows.length,
      sentences_chosen: rows[0]!.k,
      model: meanRouge(picks.model),
      "lead-1": meanRouge(picks["lead-1"]),
      "lead-3": meanRouge(picks["lead-3"]),
    };
  }
  return result;
}

/** Markdown: ROUGE-L per source, engine vs PyTorch (eval.json's `validation`) and the baselines. */
export function extractiveReport(e: ExtractiveEval, pythonEvalFile?: string): string {
  const py =
    pythonEvalFile && existsSync(pythonEvalFile)
      ? (JSON.parse(readFileSync(pythonEvalFile, "utf8")) as { validation?: Record<string, { model: RougeScores }> })
          .validation
      : undefined;
  const lines = [
    "| source | documents | sentences | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-L (PyTorch) | lead-1 RL | lead-3 RL |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [source, r] of Object.entries(e))
    lines.push(
      `| ${source} | ${r.documents} | ${r.sentences_chosen} | ${r.model.rouge1} | ${r.model.rouge2} | ${r.model.rougeL} | ${py?.[source]?.model.rougeL ?? "–"} | ${r["lead-1"].rougeL} | ${r["lead-3"].rougeL} |`,
    );
  return lines.join("\n") + "\n";
}
