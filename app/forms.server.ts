// Form parsing at the boundary: zod in, typed values or field errors out.
import { data } from "@remix-run/node";
import type { z } from "zod";

export type FieldErrors = Partial<Record<string, string>>;

/** Parses the request's form; a body that is not a form is a 400, not a crash. */
export async function parseForm<S extends z.ZodType>(request: Request, schema: S) {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw data({ message: "The request body is not a valid form." }, { status: 400 });
  }
  const result = schema.safeParse(Object.fromEntries(form));
  if (result.success) return { values: result.data as z.output<S>, errors: null };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  return { values: null, errors };
}
