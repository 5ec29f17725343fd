// The chat layout: the conversation list (with search) beside the open conversation.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { useCallback, useState } from "react";
import { ChatDrawerButton } from "~/components/chat/chat-drawer-button";
import { ChatSidebar } from "~/components/chat/chat-sidebar";
import { requireUser } from "~/session.server";
import { chatInputLimit, type ChatInputLimit } from "../../server/apps/chat";

export const meta: MetaFunction = () => [{ title: "Chat · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const [chats, models] = await Promise.all([
    context.services.chats.listChats(user.id),
    context.services.registry.modelsForApp("chat"),
  ]);
  return {
    chats: chats.map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt.toISOString() })),
    models,
    inputLimit: await chatInputLimitOf(context),
    isAdmin: user.role === "admin",
  };
}

/** The default chat model's limit for one message (the composer shows it); none without a model. */
async function chatInputLimitOf(context: LoaderFunctionArgs["context"]): Promise<ChatInputLimit | null> {
  try {
    const { description } = await context.services.registry.languageModel("chat");
    return chatInputLimit(description.prompts, description);
  } catch {
    return null; // no model assigned or it does not load: the page says so elsewhere
  }
}

export default function ChatLayout() {
  const { chats } = useLoaderData<typeof loader>();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  return (
    <div className="flex flex-col gap-4 md:flex-row">
      <ChatSidebar chats={chats} open={drawerOpen} onClose={closeDrawer} />
      <div className="min-w-0 flex-1">
        <ChatDrawerButton open={drawerOpen} onOpen={() => setDrawerOpen(true)} />
        <Outlet />
      </div>
    </div>
  );
}
