// A user message open for editing: saving sends it as a new version (the old branch stays).
import { useState } from "react";
import { INPUT_LIMITS } from "../../../server/apps/limits";
import { Button } from "~/components/ui";

export function EditBox({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  return (
    <form
      className="flex flex-col gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onSave(text.trim());
      }}
    >
      <label className="sr-only" htmlFor="edit-message">
        Edit message
      </label>
      <textarea
        id="edit-message"
        className="min-h-24 w-full rounded-md border border-slate-300 bg-white p-2 text-sm dark:border-slate-700 dark:bg-slate-900"
        value={text}
        maxLength={INPUT_LIMITS.chatMessage}
        onChange={(e) => setText(e.target.value)}
        autoFocus
      />
      <div className="flex gap-2 self-end">
        <button type="button" onClick={onCancel} className="rounded px-3 py-1 text-sm">
          Cancel
        </button>
        <Button type="submit">Save & send</Button>
      </div>
    </form>
  );
}
