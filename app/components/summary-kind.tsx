// Which kind of summary the Summarise page gives with the chosen model: an extractive summariser
// copies the text's key sentences, a language model writes its own.
import type { AssignedModel } from "../../server/registry/assignments";

export function summaryKindText(model: Pick<AssignedModel, "kind" | "displayName">): string {
  return model.kind === "extractive-summarizer"
    ? "Extractive: picks the article's key sentences"
    : `Written by ${model.displayName}`;
}

export function SummaryKind({ model }: { model: Pick<AssignedModel, "kind" | "displayName"> | undefined }) {
  if (!model) return null;
  return (
    <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="summary-kind">
      {summaryKindText(model)}
    </p>
  );
}
