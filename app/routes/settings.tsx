// Settings: the user's own pages (chat defaults, API keys, privacy) beside their list.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { SettingsNav } from "~/components/settings-nav";
import { requireUser } from "~/session.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context);
  return null;
}

export default function SettingsLayout() {
  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <aside className="md:w-44 md:shrink-0">
        <SettingsNav />
      </aside>
      <div className="min-w-0 flex-1">
        <Outlet />
      </div>
    </div>
  );
}
