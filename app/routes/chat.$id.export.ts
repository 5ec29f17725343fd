// GET /chat/:id/export?format=md|json — the visible branch of a conversation as a download.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { isChatNotFound } from "../../server/chat/chat-store";
import { conversationAsMarkdown } from "~/chat.server";
import { requireUser } from "~/session.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const id = z.uuid().safeParse(params.id);
  if (!id.success) throw new Response("Not found", { status: 404 });
  const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "md";
  const { chat, path } = await context.services.chats.getChat(user.id, id.data).catch((error: unknown) => {
    if (isChatNotFound(error)) throw new Response(error.message, { status: 404 });
    throw error;
  });
  const filename = `${
    chat.title
      .replace(/[^\p{L}\p{N} _-]+/gu, "")
      .trim()
      .slice(0, 60) || "conversation"
  }.${format}`;
  const body =
    format === "json"
      ? JSON.stringify(
          {
            id: chat.id,
            title: chat.title,
            exportedAt: new Date().toISOString(),
            messages: path.map((m) => ({
              id: m.id,
              parentId: m.parentId,
              role: m.role,
              parts: m.parts,
              modelId: m.modelId,
              createdAt: m.createdAt,
            })),
          },
          null,
          2,
        )
      : conversationAsMarkdown(chat.title, path);
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
    },
  });
}
