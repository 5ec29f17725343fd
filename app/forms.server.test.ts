import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { parseForm } from "./forms.server";

const schema = z.object({ name: z.string().min(1, "Enter your name."), age: z.coerce.number().int("A whole number.") });
const formRequest = (body: string, contentType = "application/x-www-form-urlencoded") =>
  new Request("http://loom.test/form", { method: "POST", headers: { "Content-Type": contentType }, body });

test("parseForm: typed values, or the first error of each field", async () => {
  assert.deepEqual(await parseForm(formRequest("name=Ada&age=36"), schema), {
    values: { name: "Ada", age: 36 },
    errors: null,
  });
  assert.deepEqual(await parseForm(formRequest("name=&age=1.5"), schema), {
    values: null,
    errors: { name: "Enter your name.", age: "A whole number." },
  });
});

test("parseForm: a body that is not a form is a 400", async () => {
  await assert.rejects(parseForm(formRequest("{}", "application/json"), schema), (thrown: unknown) => {
    const { init, data } = thrown as { init?: { status?: number }; data?: unknown };
    return init?.status === 400 && (data as { message?: string }).message === "The request body is not a valid form.";
  });
});
