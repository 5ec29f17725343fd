// Settings: the user's own pages (API keys, privacy), under one set of tabs.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet } from "@remix-run/react";
import { requireUser } from "~/session.server";

// Child loaders run in parallel with this one: each settings page checks the user itself too.
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context);
  return null;
}

const tabClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-slate-200 dark:bg-slate-800" : "hover:bg-slate-100 dark:hover:bg-slate-900"}`;

export default function SettingsLayout() {
  return (
    <div>
      <nav aria-label="Settings" className="mb-6 flex gap-2 border-b border-slate-200 pb-3 dark:border-slate-800">
        <NavLink to="/settings/api-keys" className={tabClass}>
          API keys
        </NavLink>
        <NavLink to="/settings/privacy" className={tabClass}>
          Privacy / training data
        </NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
