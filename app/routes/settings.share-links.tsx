// Settings › Share links: every read-only link the user made (decision 029), across their chats,
// with the chat's title, when it was made and whether it still works, and a Revoke button. A
// link's address is not shown: the server keeps only its hash (a new one is made from its chat's
// Share page). Only the owner's links are listed and revoked (another's is 404, decision 035).
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Link2Off } from "lucide-react";
import { z } from "zod";
import { publicErrorOf } from "../../server/http-error";
import { Alert, Badge, Button, CellLabel, formatUtc, PageHeader, responsiveTable as t } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireUser } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Share links · Settings · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const links = await context.services.shareLinks.listForUser(user.id);
  return {
    links: links.map((l) => ({ ...l, createdAt: l.createdAt.toISOString(), revokedAt: l.revokedAt?.toISOString() })),
  };
}

const revokeAction = z.object({ intent: z.literal("revoke"), linkId: z.uuid() });

type ActionResult = { ok: true } | { ok: false; error: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const { values, errors } = await parseForm(request, revokeAction);
  if (!values) return data<ActionResult>({ ok: false, error: Object.values(errors ?? {})[0]! }, { status: 400 });
  try {
    // revoke matches the link and its owner in one update: another user's link is 404.
    await context.services.shareLinks.revoke(user.id, values.linkId);
    return data<ActionResult>({ ok: true });
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    return data<ActionResult>({ ok: false, error: known.message }, { status: known.status });
  }
}

export default function ShareLinksSettings() {
  const { links } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-6">
      <PageHeader
        title="Share links"
        description="Read-only links to your conversations, as they were when each link was made. A revoked link stops working for everyone. Make a new one from a conversation's Share page."
      />
      {result && !result.ok && <Alert tone="error">{result.error}</Alert>}
      {result?.ok && <Alert tone="success">Link revoked. Its address now answers “gone”.</Alert>}
      {links.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">You have not shared any conversation.</p>
      ) : (
        <table className={t.table}>
          <thead className={t.thead}>
            <tr className={t.headRow}>
              <th className={t.th}>Conversation</th>
              <th className={t.th}>Created</th>
              <th className={t.th}>State</th>
              <th className={t.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className={t.tbody}>
            {links.map((link) => (
              <tr key={link.id} className={t.row} data-testid="user-share-link">
                <td className={t.cell}>
                  <CellLabel>Conversation</CellLabel>
                  <Link
                    to={`/chat/${link.chatId}/share`}
                    className="break-words text-brand-600 underline dark:text-brand-500"
                  >
                    {link.chatTitle}
                  </Link>
                </td>
                <td className={t.cell}>
                  <CellLabel>Created</CellLabel>
                  {formatUtc(link.createdAt)}
                </td>
                <td className={t.cell}>
                  <CellLabel>State</CellLabel>
                  {link.revokedAt ? (
                    <Badge tone="neutral">revoked {formatUtc(link.revokedAt)}</Badge>
                  ) : (
                    <Badge tone="success">active</Badge>
                  )}
                </td>
                <td className={t.cell}>
                  {!link.revokedAt && (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="linkId" value={link.id} />
                      <Button
                        type="submit"
                        variant="danger"
                        size="sm"
                        disabled={busy}
                        aria-label={`Revoke the link to ${link.chatTitle}`}
                      >
                        <span className="inline-flex items-center gap-1.5">
                          <Link2Off aria-hidden="true" className="size-4" />
                          Revoke
                        </span>
                      </Button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
