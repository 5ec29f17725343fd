import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { PageHeader } from "~/components/ui";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const [registry, users] = await Promise.all([context.services.registry.status(), context.services.auth.listUsers()]);
  return {
    database: context.services.database.driver,
    registry,
    users: { total: users.length, admins: users.filter((u) => u.role === "admin").length },
  };
}

export default function AdminOverview() {
  const { database, registry, users } = useLoaderData<typeof loader>();
  const stats = [
    { label: "Database", value: database === "pglite" ? "Embedded (PGlite)" : "PostgreSQL" },
    { label: "Models ready", value: String(registry.models.ready ?? 0) },
    { label: "App assignments", value: String(registry.assignments) },
    { label: "Users", value: `${users.total} (${users.admins} admin)` },
  ];
  return (
    <>
      <PageHeader title="Administration" description="The state of this Loom instance." />
      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stats.map((s) => (
          <div key={s.label} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <dt className="text-sm text-slate-600 dark:text-slate-400">{s.label}</dt>
            <dd className="mt-1 text-lg font-semibold">{s.value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
