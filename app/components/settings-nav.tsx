// Settings' pages, one link each: a list, so that a new page is one line.
import { NavLink } from "@remix-run/react";

const SETTINGS_PAGES = [
  { to: "/settings/chat", label: "Chat" },
  { to: "/settings/api-keys", label: "API keys" },
  { to: "/settings/share-links", label: "Share links" },
  { to: "/settings/privacy", label: "Privacy / training data" },
];

export function SettingsNav() {
  return (
    <nav aria-label="Settings">
      <ul className="flex gap-1 overflow-x-auto md:flex-col">
        {SETTINGS_PAGES.map((page) => (
          <li key={page.to}>
            <NavLink
              to={page.to}
              className={({ isActive }) =>
                `block rounded-md px-3 py-1.5 text-sm whitespace-nowrap ${isActive ? "bg-slate-100 font-medium text-slate-900 dark:bg-slate-800 dark:text-white" : "text-slate-600 hover:bg-slate-50 dark:text-slate-400 dark:hover:bg-slate-900"}`
              }
            >
              {page.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
