// The instance's settings on the Admin overview: whether share links need sign-in (the default
// comes from LOOM_SHARE_LINKS_REQUIRE_SIGN_IN until an admin saves a choice here).
import { useFetcher } from "@remix-run/react";
import { Button } from "~/components/ui";

export function InstanceSettingsForm({ shareLinksRequireSignIn }: { shareLinksRequireSignIn: boolean }) {
  const fetcher = useFetcher<{ error: string | null }>();
  return (
    <section aria-labelledby="instance-settings" className="mt-8">
      <h2 id="instance-settings" className="mb-3 text-lg font-semibold">
        Settings
      </h2>
      <fetcher.Form method="post" className="flex flex-wrap items-center gap-3 text-sm">
        <input type="hidden" name="intent" value="settings" />
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            name="shareLinksRequireSignIn"
            defaultChecked={shareLinksRequireSignIn}
            className="size-4"
          />
          Share links need sign-in (off: anyone with a link can read the shared conversation)
        </label>
        <Button type="submit" size="sm" disabled={fetcher.state !== "idle"}>
          Save settings
        </Button>
        <span role="status" className="text-slate-600 dark:text-slate-400">
          {fetcher.state === "idle" && fetcher.data && (fetcher.data.error ?? "Saved.")}
        </span>
      </fetcher.Form>
    </section>
  );
}
