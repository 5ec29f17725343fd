// HTTP glue for authentication: cookies in, user out; redirects for pages, statuses for APIs.
import { data, redirect, type AppLoadContext } from "@remix-run/node";
import type { PublicUser } from "../server/auth/auth-service";

async function sessionToken(request: Request, context: AppLoadContext): Promise<string | null> {
  const value: unknown = await context.services.sessionCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" ? value : null;
}

export async function getUser(request: Request, context: AppLoadContext): Promise<PublicUser | null> {
  const token = await sessionToken(request, context);
  return token ? context.services.auth.userForSession(token) : null;
}

/** Pages: an anonymous visitor is sent to sign in and comes back afterwards. */
export async function requireUser(request: Request, context: AppLoadContext): Promise<PublicUser> {
  const user = await getUser(request, context);
  if (user) return user;
  const url = new URL(request.url);
  throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
}

/** Admin pages and actions: 401 when signed out, 403 when signed in without the role. */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<PublicUser> {
  const user = await getUser(request, context);
  if (!user) throw data({ message: "Sign in as an administrator to see this page." }, { status: 401 });
  if (user.role !== "admin") throw data({ message: "This area is for administrators." }, { status: 403 });
  return user;
}

export async function startUserSession(
  request: Request,
  context: AppLoadContext,
  user: PublicUser,
  redirectTo: string,
) {
  const { token } = await context.services.auth.createSession(user.id, request.headers.get("User-Agent"));
  return redirect(safeRedirect(redirectTo), {
    headers: { "Set-Cookie": await context.services.sessionCookie.serialize(token) },
  });
}

export async function endUserSession(request: Request, context: AppLoadContext) {
  const token = await sessionToken(request, context);
  if (token) await context.services.auth.deleteSession(token);
  return redirect("/login", {
    headers: { "Set-Cookie": await context.services.sessionCookie.serialize("", { maxAge: 0 }) },
  });
}

/** Only same-site paths: "//evil.example" and absolute URLs fall back to home (no open redirect). */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/") {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
