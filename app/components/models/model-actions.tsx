// Load or unload a model, and delete it after a confirmation (the page's "load", "unload" and
// "delete" actions).
import { useState } from "react";
import { Button } from "~/components/ui";
import { useAdminFetcher } from "~/hooks/use-admin-fetcher";
import type { ModelView } from "./model-view";

export function ModelActions({ model }: { model: ModelView }) {
  const memory = useAdminFetcher();
  const remove = useAdminFetcher();
  const [confirming, setConfirming] = useState(false);
  const memoryIntent = memory.formData?.get("intent");
  const deleting = remove.state !== "idle";

  return (
    <div className="flex flex-wrap items-center gap-2 md:flex-col md:items-stretch">
      <memory.Form method="post" className="contents">
        <input type="hidden" name="modelId" value={model.id} />
        <Button
          type="submit"
          name="intent"
          value={model.loaded ? "unload" : "load"}
          variant="secondary"
          size="sm"
          disabled={memory.state !== "idle" || (!model.loaded && model.status !== "ready")}
          title={model.loaded ? "Free its memory; it loads again on next use" : "Load it now rather than on first use"}
        >
          {memoryIntent === "load"
            ? "Loading…"
            : memoryIntent === "unload"
              ? "Unloading…"
              : model.loaded
                ? "Unload"
                : "Load"}
        </Button>
      </memory.Form>
      {confirming ? (
        <remove.Form method="post" className="contents" onSubmit={() => setConfirming(false)}>
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="modelId" value={model.id} />
          <span className="text-xs">Delete its files?</span>
          <Button type="submit" variant="danger" size="sm">
            Yes, delete
          </Button>
          <Button type="button" variant="secondary" size="sm" onClick={() => setConfirming(false)}>
            Keep
          </Button>
        </remove.Form>
      ) : (
        <Button type="button" variant="danger" size="sm" disabled={deleting} onClick={() => setConfirming(true)}>
          {deleting ? "Deleting…" : "Delete"}
        </Button>
      )}
    </div>
  );
}
