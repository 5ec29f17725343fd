import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet } from "@remix-run/react";
import { requireAdmin } from "~/session.server";

// Remix runs child loaders in parallel with this one, so every admin route checks the role itself;
// this check only guards the layout.
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

const tabClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-slate-200 dark:bg-slate-800" : "hover:bg-slate-100 dark:hover:bg-slate-900"}`;

export default function AdminLayout() {
  return (
    <div>
      <nav aria-label="Admin" className="mb-6 flex gap-2 border-b border-slate-200 pb-3 dark:border-slate-800">
        <NavLink to="/admin" end className={tabClass}>
          Overview
        </NavLink>
        <NavLink to="/admin/models" className={tabClass}>
          Models
        </NavLink>
        <NavLink to="/admin/users" className={tabClass}>
          Users
        </NavLink>
        <NavLink to="/admin/feedback" className={tabClass}>
          Feedback
        </NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
