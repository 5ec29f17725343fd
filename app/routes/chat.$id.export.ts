// GET /chat/:id/export?format=md|json&scope=branch|tree — a conversation as a download: Markdown of
// the visible branch, or JSON of the visible branch or of the whole tree (every branch).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { isChatNotFound } from "../../server/chat/chat-store";
import { conversationJson } from "../../server/chat/conversation-export";
import { conversationAsMarkdown } from "~/chat.server";
import { requireUser } from "~/session.server";

const exportQuery = z.object({
  format: z.enum(["md", "json"]).default("md"),
  scope: z.enum(["branch", "tree"]).default("branch"),
});

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const id = z.uuid().safeParse(params.id);
  if (!id.success) throw new Response("Not found", { status: 404 });
  const query = exportQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response("format is md or json; scope is branch or tree.", { status: 400 });
  const { format, scope } = query.data;
  if (format === "md" && scope === "tree")
    throw new Response("Markdown holds one branch; export the whole tree as JSON.", { status: 400 });
  const { chats } = context.services;
  const notFound = (error: unknown) => {
    if (isChatNotFound(error)) throw new Response(error.message, { status: 404 });
    throw error;
  };
  const { chat, path } = await chats.getChat(user.id, id.data).catch(notFound);
  // Not kept, so not exported (decision 028).
  if (chat.temporary) throw new Response("A temporary chat is not exported.", { status: 409 });
  const all = scope === "tree" ? await chats.allMessages(user.id, chat.id).catch(notFound) : [];
  const name =
    chat.title
      .replace(/[^\p{L}\p{N} _-]+/gu, "")
      .trim()
      .slice(0, 60) || "conversation";
  const filename = `${name}${scope === "tree" ? " (all branches)" : ""}.${format}`;
  const body =
    format === "json"
      ? JSON.stringify(conversationJson(chat, scope, path, all), null, 2)
      : conversationAsMarkdown(chat.title, path);
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
    },
  });
}
