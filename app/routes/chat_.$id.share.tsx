// /chat/:id/share — the owner's links to this conversation: make one (a snapshot of the branch on
// screen now, decision 029), see which exist, revoke them. A new link is shown once, right after
// it is made: the server keeps only its hash. Only the chat's owner reaches this page (404 else).
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { isChatNotFound } from "../../server/chat/chat-store";
import { publicErrorOf } from "../../server/http-error";
import {
  Alert,
  Badge,
  Button,
  CellLabel,
  CopyButton,
  formatUtc,
  PageHeader,
  responsiveTable as t,
} from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireUser } from "~/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Share ${data?.title ?? "chat"} · Loom` }];

const chatId = z.uuid();

const notFound = (error: unknown): never => {
  if (isChatNotFound(error)) throw data({ message: error.message }, { status: 404 });
  throw error;
};

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const id = chatId.safeParse(params.id);
  if (!id.success) throw data({ message: "This conversation does not exist or is not yours." }, { status: 404 });
  const { chats, shareLinks, settings } = context.services;
  const chat = await chats.ownedChat(user.id, id.data).catch(notFound);
  const links = await shareLinks.list(user.id, chat.id);
  return {
    id: chat.id,
    title: chat.title,
    requiresSignIn: await settings.get("shareLinksRequireSignIn"),
    links: links.map((l) => ({ ...l, createdAt: l.createdAt.toISOString(), revokedAt: l.revokedAt?.toISOString() })),
  };
}

const shareAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create") }),
  z.object({ intent: z.literal("revoke"), linkId: z.uuid() }),
]);

type ActionResult = { ok: true; url?: string } | { ok: false; error: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const id = chatId.safeParse(params.id);
  if (!id.success) throw data({ message: "This conversation does not exist or is not yours." }, { status: 404 });
  const { values, errors } = await parseForm(request, shareAction);
  if (!values) return data<ActionResult>({ ok: false, error: Object.values(errors ?? {})[0]! }, { status: 400 });
  const { shareLinks, registry } = context.services;
  try {
    if (values.intent === "create") {
      const names = new Map((await registry.listModels()).map((m) => [m.id, m.displayName]));
      const { token } = await shareLinks.create(user.id, id.data, names);
      return data<ActionResult>({ ok: true, url: `${new URL(request.url).origin}/s/${token}` });
    }
    // The link must belong to this chat's owner: revoke checks the user, the page the chat.
    await context.services.chats.ownedChat(user.id, id.data);
    await shareLinks.revoke(user.id, values.linkId);
    return data<ActionResult>({ ok: true });
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    return data<ActionResult>({ ok: false, error: known.message }, { status: known.status });
  }
}

export default function ShareChat() {
  const { id, title, links, requiresSignIn } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeader
        title={`Share “${title}”`}
        description={`A link shows the branch on screen as it is when the link is made, read-only; later messages stay private. ${
          requiresSignIn
            ? "Visitors need an account on this Loom instance."
            : "Anyone with the link can read it, signed in or not."
        }`}
      />
      <Link to={`/chat/${id}`} className="text-sm text-brand-600 underline dark:text-brand-500">
        Back to the conversation
      </Link>
      {result && !result.ok && <Alert tone="error">{result.error}</Alert>}
      {result?.ok && result.url && (
        <Alert tone="success">
          <p className="font-medium">Link created. Copy it now: it is not shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code
              data-testid="new-share-link"
              className="rounded bg-white px-2 py-1 font-mono text-xs break-all dark:bg-slate-900"
            >
              {result.url}
            </code>
            <CopyButton text={result.url} />
          </div>
        </Alert>
      )}
      <Form method="post">
        <input type="hidden" name="intent" value="create" />
        <Button type="submit" disabled={busy}>
          Create link
        </Button>
      </Form>
      {links.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">This conversation has no share links.</p>
      ) : (
        <table className={t.table}>
          <thead className={t.thead}>
            <tr className={t.headRow}>
              <th className={t.th}>Created</th>
              <th className={t.th}>Messages</th>
              <th className={t.th}>State</th>
              <th className={t.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className={t.tbody}>
            {links.map((link) => (
              <tr key={link.id} className={t.row} data-testid="share-link-row">
                <td className={t.cell}>
                  <CellLabel>Created</CellLabel>
                  {formatUtc(link.createdAt)}
                </td>
                <td className={t.cell}>
                  <CellLabel>Messages</CellLabel>
                  {link.messageCount}
                </td>
                <td className={t.cell}>
                  <CellLabel>State</CellLabel>
                  {link.revokedAt ? (
                    <Badge tone="neutral">revoked {formatUtc(link.revokedAt)}</Badge>
                  ) : (
                    <Badge tone="success">live</Badge>
                  )}
                </td>
                <td className={t.cell}>
                  {!link.revokedAt && (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="linkId" value={link.id} />
                      <Button type="submit" variant="danger" size="sm" disabled={busy}>
                        Revoke
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
