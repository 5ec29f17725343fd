// Settings › Privacy / training data: whether the user's rated chats may be exported to train
// models. The flag is read when an export runs, so opting out covers every rating, past and future.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { Alert, Button, PageHeader } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Privacy · Settings · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return { optedOut: await context.services.trainingConsent.isOptedOut(user.id) };
}

const privacyForm = z.object({ optOut: z.enum(["true", "false"], { error: "optOut is true or false." }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const { values, errors } = await parseForm(request, privacyForm);
  if (!values) return data({ ok: false as const, error: errors?.optOut ?? "Invalid request." }, { status: 400 });
  const optedOut = values.optOut === "true";
  await context.services.trainingConsent.setOptedOut(user.id, optedOut);
  return { ok: true as const, optedOut };
}

export default function Privacy() {
  const { optedOut } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="max-w-2xl space-y-6">
      <PageHeader
        title="Privacy / training data"
        description="Whether the conversations you rate may be used to train this instance's models."
      />
      <div className="space-y-3 text-sm text-slate-700 dark:text-slate-300">
        <p>
          When you rate an answer with 👍 or 👎, this instance's administrators can export it as training data: the
          whole conversation up to that answer (your messages and the model's), your rating, the model, and when you
          rated it. Pairs of answers to the same message, one liked and one disliked, are exported as preferences. The
          export does not hold your name or email, but your messages may hold personal details.
        </p>
        <p>
          Opting out keeps every one of your conversations out of these exports: the ratings you gave before and the
          ones you give later. You can still rate answers, and you can opt back in at any time.
        </p>
      </div>
      {result && !result.ok && <Alert tone="error">{result.error}</Alert>}
      {result?.ok && (
        <Alert tone="success">
          {result.optedOut
            ? "Saved: your chats are not used as training data."
            : "Saved: your rated chats may be used as training data."}
        </Alert>
      )}
      <p className="text-sm font-medium" data-testid="training-status">
        {optedOut ? "Your chats are not used for training." : "Your rated chats may be used for training."}
      </p>
      <Form method="post">
        <input type="hidden" name="optOut" value={optedOut ? "false" : "true"} />
        <Button type="submit" variant={optedOut ? "primary" : "secondary"} disabled={busy}>
          {optedOut ? "Allow my rated chats for training" : "Opt out of training data"}
        </Button>
      </Form>
    </div>
  );
}
