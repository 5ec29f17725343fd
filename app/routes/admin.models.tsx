import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Alert, PageHeader } from "~/components/ui";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Models · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const models = await context.services.registry.listModels();
  return {
    models: models.map((m) => ({
      id: m.id,
      displayName: m.displayName,
      kind: m.kind,
      status: m.status,
      reason: m.statusReason,
    })),
  };
}

export default function AdminModels() {
  const { models } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Models" description="Every model in the registry and its status." />
      {models.length === 0 ? (
        <Alert tone="info">The model registry is empty.</Alert>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-800">
                <th className="py-2 pr-4">Model</th>
                <th className="py-2 pr-4">Kind</th>
                <th className="py-2 pr-4">Status</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.id} className="border-b border-slate-100 dark:border-slate-900">
                  <td className="py-2 pr-4">
                    {m.displayName} <span className="text-slate-500">({m.id})</span>
                  </td>
                  <td className="py-2 pr-4">{m.kind}</td>
                  <td className="py-2 pr-4">
                    {m.status}
                    {m.reason && <span className="text-slate-500"> — {m.reason}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
