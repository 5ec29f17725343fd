// Admin › Models › Quality: one model's card numbers (loom-quality.json), its bias probe table, its
// users' ratings per app over the last days, and for a fine-tuned model its base and before/after.
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { isModelId } from "../../server/common/model-id";
import { feedbackCounts } from "../../server/quality/feedback-counts";
import { readQualityFile } from "../../server/quality/quality-file";
import {
  BiasTable,
  EvaluationTable,
  FeedbackTable,
  FinetuneSummary,
  Section,
} from "~/components/models/quality-tables";
import { Alert, PageHeader } from "~/components/ui";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Model quality · Admin · Loom" }];

/** The ratings window the page shows. */
export const FEEDBACK_DAYS = 30;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const id = params.id;
  if (!isModelId(id)) throw data({ message: "That is not a model id." }, { status: 400 });
  const { registry, database } = context.services;
  const model = await registry.getModel(id);
  if (!model) throw data({ message: `There is no model "${id}".` }, { status: 404 });
  const feedback = await feedbackCounts(database.db, id, FEEDBACK_DAYS);
  // A remote engine has no folder, so no card.
  const quality = model.source === "remote" ? null : readQualityFile(registry.folderOf(id));
  return {
    model: { id: model.id, displayName: model.displayName, source: model.source, kind: model.kind },
    quality,
    feedback,
    feedbackDays: FEEDBACK_DAYS,
  };
}

export default function ModelQuality() {
  const { model, quality, feedback, feedbackDays } = useLoaderData<typeof loader>();
  const card = quality?.status === "ok" ? quality.quality : undefined;
  const apps = [...new Set(feedback.map((f) => f.app))].sort();
  const totals = feedback.reduce((t, f) => ({ up: t.up + f.up, down: t.down + f.down }), { up: 0, down: 0 });
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/models" className="underline">
          ← Models
        </Link>
      </p>
      <PageHeader
        title={`Quality: ${model.displayName}`}
        description={`${model.id} · the model card's numbers, bias probes and users' ratings.`}
      />
      {quality === null && (
        <Alert tone="info">This is a remote engine: it has no model card here, only its users&apos; ratings.</Alert>
      )}
      {quality?.status === "absent" && (
        <Alert tone="info">
          This model&apos;s folder has no loom-quality.json. Run{" "}
          <code>npm run eval -- --bias --model &lt;folder&gt; --write-quality</code> to add bias probes.
        </Alert>
      )}
      {quality?.status === "invalid" && (
        <Alert tone="error">The quality file could not be read: {quality.reason}</Alert>
      )}
      {quality?.status === "ok" && quality.problems.length > 0 && (
        <Alert tone="error">Parts of the quality file were left out: {quality.problems.join(" ")}</Alert>
      )}
      {card && (
        <>
          <Section title="Evaluation">
            {card.evaluation?.length ? (
              <EvaluationTable entries={card.evaluation} />
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-400">No evaluation numbers in the card.</p>
            )}
          </Section>
          {card.finetune && (
            <Section title="Fine-tuning">
              <FinetuneSummary finetune={card.finetune} />
            </Section>
          )}
          <Section title="Bias probes">
            {card.bias?.results.length ? (
              <BiasTable bias={card.bias} base={card.finetune?.bias_before} />
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-400">No bias probes have been run on this model.</p>
            )}
          </Section>
        </>
      )}
      <Section title={`Feedback (last ${feedbackDays} days)`}>
        {feedback.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No ratings of this model&apos;s answers yet.</p>
        ) : (
          <>
            <p className="mb-2 text-sm">
              {totals.up} 👍 · {totals.down} 👎
            </p>
            <FeedbackTable days={feedback} apps={apps} />
          </>
        )}
      </Section>
    </>
  );
}
