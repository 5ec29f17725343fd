import "./zod-jitless.client";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { AppShell } from "./components/app-shell";
import { useCspNonce } from "./csp-nonce";
import { getUser } from "./session.server";
import stylesheet from "./tailwind.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.ico" },
];

export const meta: MetaFunction = () => [{ title: "Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getUser(request, context);
  return { user: user && { name: user.name, email: user.email, role: user.role } };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useCspNonce();
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full bg-white text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user}>
      <Outlet />
    </AppShell>
  );
}

/** Any error below the root lands here: a plain message and status, never a stack trace. */
export function ErrorBoundary() {
  const error = useRouteError();
  const rootData = useRouteLoaderData<typeof loader>("root");
  let title = "Something went wrong";
  let message = "An unexpected error occurred. Please try again.";
  if (isRouteErrorResponse(error)) {
    title = `${error.status} ${error.statusText || statusTitle(error.status)}`;
    const payload: unknown = error.data;
    if (payload && typeof payload === "object" && "message" in payload && typeof payload.message === "string") {
      message = payload.message;
    } else if (typeof payload === "string" && payload) {
      message = payload;
    } else if (error.status === 404) {
      message = "There is no page at this address.";
    }
  }
  return (
    <AppShell user={rootData?.user ?? null}>
      <div role="alert" className="mx-auto max-w-xl py-16 text-center">
        <h1 className="text-2xl font-semibold">{title}</h1>
        <p className="mt-3 text-slate-600 dark:text-slate-400">{message}</p>
        <a href="/" className="mt-6 inline-block text-brand-600 underline dark:text-brand-500">
          Back to Loom
        </a>
      </div>
    </AppShell>
  );
}

function statusTitle(status: number) {
  return (
    {
      400: "Bad Request",
      401: "Unauthorized",
      403: "Forbidden",
      404: "Not Found",
      410: "Gone",
      413: "Payload Too Large",
      429: "Too Many Requests",
    }[status] ?? ""
  );
}
