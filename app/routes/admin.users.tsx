import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Alert, PageHeader } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Users · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const me = await requireAdmin(request, context);
  const users = await context.services.auth.listUsers();
  return { me: me.id, users: users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })) };
}

const userAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("set-role"), userId: z.uuid(), role: z.enum(["admin", "user"]) }),
  z.object({ intent: z.literal("set-disabled"), userId: z.uuid(), disabled: z.enum(["true", "false"]) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const me = await requireAdmin(request, context);
  const { values } = await parseForm(request, userAction);
  if (!values) return data({ message: "Invalid request." }, { status: 400 });
  // An admin cannot lock themself out: the instance would have nobody to manage it.
  if (values.userId === me.id) {
    return data({ message: "You cannot change your own role or disable your own account." }, { status: 409 });
  }
  if (values.intent === "set-role") await context.services.auth.setRole(values.userId, values.role);
  else await context.services.auth.setDisabled(values.userId, values.disabled === "true");
  return { message: null };
}

export default function AdminUsers() {
  const { me, users } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <PageHeader title="Users" description="Roles and access." />
      {result?.message && <Alert>{result.message}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full text-left text-sm">
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-800">
              <th className="py-2 pr-4">Name</th>
              <th className="py-2 pr-4">Email</th>
              <th className="py-2 pr-4">Role</th>
              <th className="py-2 pr-4">Access</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-b border-slate-100 dark:border-slate-900">
                <td className="py-2 pr-4">{u.name}</td>
                <td className="py-2 pr-4">{u.email}</td>
                <td className="py-2 pr-4">
                  {u.id === me ? (
                    u.role
                  ) : (
                    <Form method="post" className="flex gap-2">
                      <input type="hidden" name="intent" value="set-role" />
                      <input type="hidden" name="userId" value={u.id} />
                      <input type="hidden" name="role" value={u.role === "admin" ? "user" : "admin"} />
                      <span>{u.role}</span>
                      <button type="submit" className="text-brand-600 underline dark:text-brand-500">
                        {u.role === "admin" ? "Make user" : "Make admin"}
                      </button>
                    </Form>
                  )}
                </td>
                <td className="py-2 pr-4">
                  {u.id === me ? (
                    "you"
                  ) : (
                    <Form method="post" className="flex gap-2">
                      <input type="hidden" name="intent" value="set-disabled" />
                      <input type="hidden" name="userId" value={u.id} />
                      <input type="hidden" name="disabled" value={u.disabled ? "false" : "true"} />
                      <span>{u.disabled ? "disabled" : "active"}</span>
                      <button type="submit" className="text-brand-600 underline dark:text-brand-500">
                        {u.disabled ? "Enable" : "Disable"}
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
