// The chat layout: the conversation list (with search) beside the open conversation.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { useCallback, useState } from "react";
import { ChatDrawerButton } from "~/components/chat/chat-drawer-button";
import { ChatSidebar } from "~/components/chat/chat-sidebar";
import { requireUser } from "~/session.server";
import { chatLimitsFor } from "~/chat-settings.server";

export const meta: MetaFunction = () => [{ title: "Chat · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const [chats, models, defaults] = await Promise.all([
    context.services.chats.listChats(user.id),
    context.services.registry.modelsForApp("chat"),
    context.services.chatDefaults.get(user.id),
  ]);
  return {
    chats: chats.map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt.toISOString() })),
    models,
    // A new chat's limit (on /chat): the user's defaults are what its first message is sent with.
    inputLimit: (await chatLimitsFor(context, defaults)).inputLimit,
    isAdmin: user.role === "admin",
  };
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
