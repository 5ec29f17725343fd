// The model's name and id, and its inline rename (the page's "rename" action).
import { useEffect, useRef, useState } from "react";
import { Button, fieldClass } from "~/components/ui";
import { useAdminFetcher } from "~/hooks/use-admin-fetcher";
import type { ModelView } from "./model-view";

export function ModelNameCell({ model }: { model: ModelView }) {
  const [editing, setEditing] = useState(false);
  const fetcher = useAdminFetcher();
  const renameButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (wasEditing.current && !editing) renameButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const pendingName = fetcher.formData?.get("displayName");
  const shown = typeof pendingName === "string" ? pendingName.trim() : model.displayName;

  if (editing) {
    return (
      <fetcher.Form
        method="post"
        className="flex flex-wrap items-center gap-2"
        onSubmit={() => setEditing(false)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      >
        <input type="hidden" name="intent" value="rename" />
        <input type="hidden" name="modelId" value={model.id} />
        <input
          name="displayName"
          defaultValue={model.displayName}
          aria-label={`Display name of ${model.id}`}
          // The admin just asked to edit this field.
          autoFocus
          required
          maxLength={100}
          className={`${fieldClass("sm")} max-w-56`}
        />
        <Button type="submit" variant="secondary" size="sm">
          Save
        </Button>
        <Button type="button" variant="secondary" size="sm" onClick={() => setEditing(false)}>
          Cancel
        </Button>
        <div className="w-full font-mono text-xs break-all text-slate-500 dark:text-slate-400">{model.id}</div>
      </fetcher.Form>
    );
  }
  return (
    <div>
      <div className="font-medium break-words">{shown}</div>
      <div className="font-mono text-xs break-all text-slate-500 dark:text-slate-400">{model.id}</div>
      <Button
        ref={renameButton}
        type="button"
        variant="link"
        size="sm"
        onClick={() => setEditing(true)}
        className="mt-1"
        aria-label={`Rename ${model.displayName}`}
      >
        Rename
      </Button>
    </div>
  );
}
