// GET /s/:token — a shared conversation, read-only (decision 029). Lookups are limited per client
// address (tokens are 256 random bits; the limit keeps even trying cheap to refuse). The admin
// setting decides whether a visitor must be signed in. A revoked link is 410, an unknown one (or
// one whose chat was deleted) 404. Nothing here is for search engines: noindex in a header and a
// meta tag.
import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { isLimitExceededError } from "../../server/usage/errors";
import { SharedConversation } from "~/components/share/shared-conversation";
import { requireUser } from "~/session.server";

const NOINDEX = { "X-Robots-Tag": "noindex, nofollow" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? "Shared conversation"} · Shared · Loom` },
  { name: "robots", content: "noindex, nofollow" },
];

export const headers: HeadersFunction = () => NOINDEX;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { shareLinks, shareLookupLimiter, settings } = context.services;
  try {
    shareLookupLimiter.take(`share:${context.clientAddress}`);
  } catch (error) {
    if (!isLimitExceededError(error)) throw error;
    throw data(
      { message: error.message },
      { status: 429, headers: { ...NOINDEX, "Retry-After": String(error.retryAfterSeconds) } },
    );
  }
  if (await settings.get("shareLinksRequireSignIn")) await requireUser(request, context);
  const opened = await shareLinks.open(params.token ?? "");
  if (!opened.found) {
    const revoked = opened.reason === "revoked";
    throw data(
      { message: revoked ? "This link was revoked by its owner." : "There is no shared conversation at this address." },
      { status: revoked ? 410 : 404, headers: NOINDEX },
    );
  }
  return data(
    { title: opened.title, messages: opened.messages, createdAt: opened.createdAt.toISOString() },
    { headers: NOINDEX },
  );
}

export default function SharedChat() {
  const shared = useLoaderData<typeof loader>();
  return <SharedConversation {...shared} />;
}
