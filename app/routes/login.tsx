import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { isAuthError } from "../../server/auth/rules";
import { cleanText } from "../../server/common/user-text";
import { Alert, Button, PageHeader, TextField } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { getUser, safeRedirect, startUserSession } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Loom" }];

const signInForm = z.object({
  email: cleanText("Email").trim().min(1, "Enter your email.").max(254),
  password: z.string().min(1, "Enter your password.").max(200),
  redirectTo: z.string().max(2000).optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Already signed in: straight on to where the visitor was going.
  if (await getUser(request, context))
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { values, errors } = await parseForm(request, signInForm);
  if (!values) return data({ errors, message: null }, { status: 400 });
  try {
    const user = await context.services.auth.signIn({ ...values, clientAddress: context.clientAddress });
    return await startUserSession(request, context, user, safeRedirect(values.redirectTo));
  } catch (error) {
    if (!isAuthError(error)) throw error;
    const status = error.httpStatus;
    const headers: HeadersInit = error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return data({ errors: null, message: error.message }, { status, headers });
  }
}

export default function Login() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-sm py-8">
      <PageHeader title="Sign in" />
      <Form method="post" className="space-y-4" noValidate>
        {result?.message && <Alert>{result.message}</Alert>}
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={result?.errors?.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={result?.errors?.password}
        />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <Button type="submit" disabled={busy} className="w-full">
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </Form>
      <p className="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
        No account yet?{" "}
        <Link to="/signup" className="text-brand-600 underline dark:text-brand-500">
          Sign up
        </Link>
      </p>
    </div>
  );
}
