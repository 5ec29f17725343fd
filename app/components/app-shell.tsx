import { Form, NavLink } from "@remix-run/react";
import { useState } from "react";
import { APP_LIST } from "~/apps";

interface ShellUser {
  name: string;
  email: string;
  role: "admin" | "user";
}

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 text-sm font-medium ${
    isActive
      ? "bg-brand-600 text-white"
      : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
  }`;

/** Navigation to the five apps (and Admin for admins); collapses to a menu button on phones. */
export function AppShell({ user, children }: { user: ShellUser | null; children: React.ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="flex min-h-full flex-col">
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex max-w-6xl items-center gap-4 px-4 py-3">
          <a href="/" className="text-lg font-bold tracking-tight">
            Loom
          </a>
          {user && (
            <button
              type="button"
              className="ml-auto rounded-md border border-slate-300 px-3 py-1 text-sm md:hidden dark:border-slate-700"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          )}
          {user && (
            <nav
              id="main-nav"
              aria-label="Applications"
              className={`${menuOpen ? "block" : "hidden"} absolute inset-x-0 top-14 z-10 border-b border-slate-200 bg-white p-3 md:static md:flex md:flex-1 md:items-center md:gap-1 md:border-0 md:bg-transparent md:p-0 dark:border-slate-800 dark:bg-slate-950`}
              onClick={() => setMenuOpen(false)}
            >
              <ul className="md:flex md:gap-1">
                {APP_LIST.map((app) => (
                  <li key={app.name}>
                    <NavLink to={app.path} className={linkClass}>
                      {app.title}
                    </NavLink>
                  </li>
                ))}
                {user.role === "admin" && (
                  <li>
                    <NavLink to="/admin" className={linkClass}>
                      Admin
                    </NavLink>
                  </li>
                )}
              </ul>
              <div className="mt-3 flex items-center gap-3 border-t border-slate-200 pt-3 md:mt-0 md:ml-auto md:border-0 md:pt-0 dark:border-slate-800">
                <NavLink to="/usage" className="text-sm text-slate-600 hover:underline dark:text-slate-400">
                  Usage
                </NavLink>
                <NavLink
                  to="/settings"
                  className="truncate text-sm text-slate-600 hover:underline dark:text-slate-400"
                  title={`${user.email}: settings`}
                >
                  {user.name}
                </NavLink>
                <Form method="post" action="/logout">
                  <button
                    type="submit"
                    className="rounded-md px-3 py-1 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                  >
                    Sign out
                  </button>
                </Form>
              </div>
            </nav>
          )}
          {!user && (
            <nav aria-label="Account" className="ml-auto flex gap-2">
              <NavLink to="/login" className={linkClass}>
                Sign in
              </NavLink>
              <NavLink to="/signup" className={linkClass}>
                Sign up
              </NavLink>
            </nav>
          )}
        </div>
      </header>
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">{children}</main>
    </div>
  );
}
