// The chat header's settings: one line that says what the answers use ("T 0.7 · top-p 0.9 ·
// 256 tokens · system prompt"), and on press a panel to change them. The server checks them
// against the model (PUT /api/chat/:id/settings); its refusal is shown in the panel.
import { SlidersHorizontal } from "lucide-react";
import { useId, useState } from "react";
import type { ChatInputLimit } from "../../../server/apps/chat";
import { chatSettingsSummary, type ChatSettings } from "../../../server/apps/chat-settings";
import { Alert, Button } from "~/components/ui";
import { ChatSettingsFields } from "./chat-settings-fields";

export function ChatSettingsPanel({
  chatId,
  modelId,
  settings,
  maxTokensLimit,
  onSaved,
}: {
  chatId: string;
  modelId: string | undefined;
  settings: ChatSettings;
  maxTokensLimit?: number;
  /** The saved settings and the composer's limit under them (null: no model to measure with). */
  onSaved: (settings: ChatSettings, inputLimit: ChatInputLimit | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const panelId = useId();

  async function save(form: HTMLFormElement) {
    setSaving(true);
    const response = await fetch(`/api/chat/${chatId}/settings`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ settings: Object.fromEntries(new FormData(form)), modelId }),
    }).catch(() => undefined);
    setSaving(false);
    if (!response) return setError("Could not reach Loom. Check your connection and save again.");
    const body = (await response.json().catch(() => ({}))) as {
      settings?: ChatSettings;
      inputLimit?: ChatInputLimit | null;
      error?: string;
    };
    if (!response.ok || !body.settings) return setError(body.error ?? "Could not save the settings.");
    setError(undefined);
    setOpen(false);
    onSaved(body.settings, body.inputLimit ?? null);
  }

  return (
    <div className="relative w-full md:w-auto">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
        title="Chat settings"
        className="flex items-center gap-1.5 rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-700 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <SlidersHorizontal aria-hidden="true" className="size-3.5" />
        <span className="sr-only">Chat settings: </span>
        <span data-testid="chat-settings-summary">{chatSettingsSummary(settings)}</span>
      </button>
      {open && (
        <form
          id={panelId}
          aria-label="Chat settings"
          className="z-20 mt-2 w-full rounded-lg border border-slate-200 bg-white p-4 shadow-lg md:absolute md:right-0 md:w-[28rem] dark:border-slate-800 dark:bg-slate-950"
          onSubmit={(e) => {
            e.preventDefault();
            void save(e.currentTarget);
          }}
        >
          <ChatSettingsFields settings={settings} maxTokensLimit={maxTokensLimit} />
          {error && <Alert className="mt-3">{error}</Alert>}
          <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
            For this conversation&apos;s next answers. New chats take your defaults from Settings.
          </p>
          <div className="mt-3 flex justify-end gap-2">
            <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={saving}>
              Save
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
