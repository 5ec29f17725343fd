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
  throw toSignIn(request);
}

/** The sign-in page, with this page to come back to (only its path: see safeRedirect). */
function toSignIn(request: Request) {
  const url = new URL(request.url);
  // Remix's data requests (?_data=…, ?index) are not pages to come back to.
  url.searchParams.delete("_data");
  url.searchParams.delete("index");
  return redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
}

/**
 * Admin pages and their actions: a signed-out visitor is sent to sign in and back (API routes
 * answer 401 JSON instead: requireApiAdmin), a signed-in one without the role gets 403.
 */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<PublicUser> {
  const user = await getUser(request, context);
  if (!user) throw toSignIn(request);
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

/**
 * Only same-site paths: "//evil.example", absolute URLs, backslashes and control characters
 * (browsers drop tabs and newlines, so "/\t/evil.example" would become "//evil.example") fall
 * back to home: no open redirect.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/") {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//")) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(to)) return fallback;
  const base = "http://loom.invalid";
  return new URL(to, base).origin === base ? to : fallback;
}
