// Settings › API keys: personal keys for Loom's OpenAI-compatible API (/v1). A new key is shown
// once, right after it is made (the server keeps only its hash); keys are listed by name, prefix
// and last use, and revoked here.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { apiKeyName } from "../../server/auth/api-keys";
import { publicErrorOf } from "../../server/http-error";
import {
  Alert,
  Button,
  CellLabel,
  CopyButton,
  formatUtc,
  PageHeader,
  responsiveTable as t,
  TextField,
} from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "API keys · Settings · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const keys = await context.services.apiKeys.list(user.id);
  return {
    keys: keys.map((k) => ({ ...k, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() })),
    baseUrl: `${new URL(request.url).origin}/v1`,
  };
}

const keyAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create"), name: apiKeyName }),
  z.object({ intent: z.literal("revoke"), keyId: z.uuid() }),
]);

type ActionResult = { ok: true; key?: string; name: string } | { ok: false; error: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const { values, errors } = await parseForm(request, keyAction);
  if (!values) return data<ActionResult>({ ok: false, error: Object.values(errors ?? {})[0]! }, { status: 400 });
  try {
    if (values.intent === "create") {
      const { key, summary } = await context.services.apiKeys.create(user.id, values.name);
      return data<ActionResult>({ ok: true, key, name: summary.name });
    }
    await context.services.apiKeys.revoke(user.id, values.keyId);
    return data<ActionResult>({ ok: true, name: "" });
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    return data<ActionResult>({ ok: false, error: known.message }, { status: known.status });
  }
}

export default function ApiKeys() {
  const { keys, baseUrl } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-6">
      <PageHeader
        title="API keys"
        description={`Use Loom's models from any OpenAI client: base URL ${baseUrl}, your key as the API key. Requests count against your daily limits like the apps'.`}
      />
      {result && !result.ok && <Alert tone="error">{result.error}</Alert>}
      {result?.ok && result.key && (
        <Alert tone="success">
          <p className="font-medium">Key “{result.name}” created. Copy it now: it is not shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code
              data-testid="new-api-key"
              className="rounded bg-white px-2 py-1 font-mono text-xs break-all dark:bg-slate-900"
            >
              {result.key}
            </code>
            <CopyButton text={result.key} />
          </div>
        </Alert>
      )}
      <Form method="post" className="flex max-w-lg items-end gap-3">
        <input type="hidden" name="intent" value="create" />
        <div className="flex-1">
          <TextField label="New key's name" name="name" required maxLength={80} placeholder="e.g. my laptop" />
        </div>
        <Button type="submit" disabled={busy}>
          Create key
        </Button>
      </Form>
      {keys.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">You have no API keys yet.</p>
      ) : (
        <table className={t.table}>
          <thead className={t.thead}>
            <tr className={t.headRow}>
              <th className={t.th}>Name</th>
              <th className={t.th}>Key</th>
              <th className={t.th}>Created</th>
              <th className={t.th}>Last used</th>
              <th className={t.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className={t.tbody}>
            {keys.map((key) => (
              <tr key={key.id} className={t.row}>
                <td className={t.cell}>
                  <CellLabel>Name</CellLabel>
                  {key.name}
                </td>
                <td className={t.cell}>
                  <CellLabel>Key</CellLabel>
                  <code className="font-mono text-xs">{key.prefix}…</code>
                </td>
                <td className={t.cell}>
                  <CellLabel>Created</CellLabel>
                  {formatUtc(key.createdAt)}
                </td>
                <td className={t.cell}>
                  <CellLabel>Last used</CellLabel>
                  {key.lastUsedAt ? formatUtc(key.lastUsedAt) : "never"}
                </td>
                <td className={t.cell}>
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="keyId" value={key.id} />
                    <Button type="submit" variant="danger" size="sm" disabled={busy} aria-label={`Revoke ${key.name}`}>
                      Revoke
                    </Button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
