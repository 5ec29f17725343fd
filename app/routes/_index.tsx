import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { APP_LIST } from "~/apps";
import { PageHeader } from "~/components/ui";
import { requireUser } from "~/session.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return { name: user.name };
}

export default function Home() {
  return (
    <>
      <PageHeader title="Welcome to Loom" description="Five applications on your own models, on your own machine." />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {APP_LIST.map((app) => (
          <li key={app.name}>
            <Link
              to={app.path}
              className="block h-full rounded-lg border border-slate-200 p-5 hover:border-brand-500 hover:shadow-sm dark:border-slate-800"
            >
              <h2 className="font-semibold">{app.title}</h2>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{app.blurb}</p>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
