import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { emailSchema, isEmailTaken, nameSchema, passwordSchema } from "../../server/auth/rules";
import { Alert, Button, PageHeader, TextField } from "~/components/ui";
import { parseForm, type FieldErrors } from "~/forms.server";
import { getUser, startUserSession } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Sign up · Loom" }];

const signUpForm = z.object({ name: nameSchema, email: emailSchema, password: passwordSchema });

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getUser(request, context)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { values, errors } = await parseForm(request, signUpForm);
  if (!values) return data({ errors, message: null }, { status: 400 });
  try {
    const user = await context.services.auth.createUser(values);
    return await startUserSession(request, context, user, "/");
  } catch (error) {
    if (isEmailTaken(error)) {
      const errors: FieldErrors = { email: error.message };
      return data({ errors, message: null }, { status: 409 });
    }
    throw error;
  }
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-sm py-8">
      <PageHeader title="Create your account" />
      <Form method="post" className="space-y-4" noValidate>
        {result?.message && <Alert>{result.message}</Alert>}
        <TextField label="Name" name="name" autoComplete="name" required error={result?.errors?.name} />
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
          autoComplete="new-password"
          minLength={10}
          required
          error={result?.errors?.password}
        />
        <Button type="submit" disabled={busy} className="w-full">
          {busy ? "Creating account…" : "Sign up"}
        </Button>
      </Form>
      <p className="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
        Already have an account?{" "}
        <Link to="/login" className="text-brand-600 underline dark:text-brand-500">
          Sign in
        </Link>
      </p>
    </div>
  );
}
